/**
 * A request with more than `MAX_REFUSALS` refused points is refused as a whole, with one coded
 * 400 in each format's own error shape, and nothing of it is stored (its good points included):
 * the parse stops there instead of paying for every refusal of a body made of bad items.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiErrorCode } from "../../src/errors.js";
import { MAX_REFUSALS } from "../../src/ingest/point.js";
import { seriesIds } from "../ingest/agent-helpers.js";
import { startApp, type TestApp } from "./helpers.js";

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

const bad = (n: number) => Array.from({ length: n }, () => ({ name: "capped.bad", value: "x" }));

describe("more than MAX_REFUSALS refusals in one request", () => {
  it("JSON API: 400 TooManyRefusals, the good point not stored", async () => {
    const res = await fetch(t.url("/api/v1/metrics"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ name: "capped.json", value: 1 }, ...bad(MAX_REFUSALS + 1)]),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: number; message: string } };
    expect(body.error.code).toBe(ApiErrorCode.TooManyRefusals);
    expect(body.error.message).toMatch(/nothing of it was stored; the first: item 1: value: /);
    expect(await seriesIds(t, "capped.json")).toEqual([]);
  });

  it("JSON API: at the cap, the request is a partial write as before", async () => {
    const res = await fetch(t.url("/api/v1/metrics"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ name: "capped.kept", value: 1 }, ...bad(MAX_REFUSALS)]),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ accepted: 1, rejectedTotal: MAX_REFUSALS });
    expect(await seriesIds(t, "capped.kept")).toEqual(["capped.kept"]);
  });

  it("InfluxDB /write: 400 in InfluxDB's shape, nothing stored", async () => {
    const lines = ["capped_influx v=1", ...Array.from({ length: MAX_REFUSALS + 1 }, () => "capped_influx v=")];
    const res = await fetch(t.url("/write?db=x"), { method: "POST", body: lines.join("\n") });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string };
    expect(body.error).toMatch(
      /^more than 10000 points refused in one request, so nothing of it was stored; the first: line 2: /,
    );
    expect(await seriesIds(t, "capped_influx")).toEqual([]);
  });
});
