import { gzipSync } from "node:zlib";
import { connect } from "@dashwire/client/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiErrorCode } from "../../src/errors.js";
import { type ErrorBody, getJson, post, type QueryBody, startApp, type TestApp } from "./helpers.js";

let t: TestApp;
beforeAll(async () => {
  t = await startApp({ maxBodyBytes: 64 * 1024 });
});
afterAll(() => t.close());

/** Everything the store holds for a series at 1 s resolution over the last minute, closed or not. */
function raw(id: string, app = t.app) {
  return app.store.query(id, 0, Date.now() - 60_000, Date.now() + 60_000, 1000);
}

describe("POST /api/v1/metrics (JSON)", () => {
  it("accepts one point, a batch, and {points}", async () => {
    const now = Date.now();
    expect(await post(t.url("/api/v1/metrics"), { name: "j.one", value: 1.5, tags: { host: "a" } })).toEqual({
      status: 200,
      body: { accepted: 1 },
    });
    // Two points of one series with one ts: the second replaces the first (InfluxDB's rule).
    const batch = [
      { name: "j.batch", value: 1, ts: now },
      { name: "j.batch", value: 3, ts: now },
      { name: "j.batch2", value: 1, ts: now - 1 },
      { name: "j.batch2", value: 3, ts: now },
    ];
    expect((await post(t.url("/api/v1/metrics"), batch)).body).toEqual({ accepted: 4 });
    expect((await post(t.url("/api/v1/metrics"), { points: [{ name: "j.wrapped", value: true }] })).body).toEqual({
      accepted: 1,
    });
    expect((await raw("j.one,host=a"))[0]?.slice(1)).toEqual([1, 1.5, 1.5, 1.5, 1.5]);
    const b = (await raw("j.batch"))[0];
    expect(b?.[0]).toBe(Math.floor(now / 1000) * 1000);
    expect(b?.slice(1)).toEqual([1, 3, 3, 3, 3]);
    expect((await raw("j.batch2")).reduce((n, x) => n + x[1], 0)).toBe(2);
    expect((await raw("j.wrapped"))[0]?.[5]).toBe(1);
  });

  it("keeps the good points of a partial batch and says which index failed and why", async () => {
    const res = await post(t.url("/api/v1/metrics"), [
      { name: "j.partial", value: 1, ts: Date.now() - 2000 },
      { name: "j.partial", value: "high" },
      { name: "bad\u0000name", value: 2 },
      { name: "j.partial", value: 3, ts: Date.now() + 3_600_000 },
      { name: "j.partial", value: 4 },
    ]);
    expect(res.status).toBe(400);
    expect(res.body.accepted).toBe(2);
    expect(res.body.rejectedTotal).toBe(3);
    expect(res.body.rejected).toEqual([
      { index: 1, error: expect.stringMatching(/^value: /), code: ApiErrorCode.InvalidField },
      {
        index: 2,
        error: expect.stringMatching(/name must not contain control characters/),
        code: ApiErrorCode.InvalidField,
      },
      { index: 3, error: expect.stringMatching(/^ts: .* in the future/), code: ApiErrorCode.TimestampOutOfRange },
    ]);
    expect((await raw("j.partial")).reduce((n, b) => n + b[1], 0)).toBe(2);
  });

  it("answers malformed JSON and wrong shapes with a coded 400", async () => {
    const res = await fetch(t.url("/api/v1/metrics"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error).toMatchObject({
      code: ApiErrorCode.InvalidField,
      message: expect.stringMatching(/invalid JSON/),
    });
    const shape = await post<ErrorBody>(t.url("/api/v1/metrics"), 42);
    expect(shape.status).toBe(400);
    expect(shape.body.error.message).toMatch(/^body: /);
  });
});

describe("POST /api/v1/metrics (line protocol)", () => {
  it("stores each field as name.field with tags, honouring precision", async () => {
    const sec = Math.floor(Date.now() / 1000);
    const res = await post(
      t.url("/api/v1/metrics?precision=s"),
      `lp_cpu,host=a,region=eu usage=0.5,idle=0.25 ${sec}\nlp_cpu,host=a,region=eu usage=0.75 ${sec}`,
    );
    expect(res).toEqual({ status: 200, body: { accepted: 3 } });
    // Both lines are at one second: the second usage point replaces the first (same series and ts).
    expect((await raw("lp_cpu.usage,host=a,region=eu"))[0]).toEqual([sec * 1000, 1, 0.75, 0.75, 0.75, 0.75]);
    expect((await raw("lp_cpu.idle,host=a,region=eu"))[0]?.[5]).toBe(0.25);
    const ns = `${Date.now()}000000`;
    expect((await post(t.url("/api/v1/metrics"), `lp_ns v=1i ${ns}`)).body).toEqual({ accepted: 1 });
    expect((await post<ErrorBody>(t.url("/api/v1/metrics?precision=d"), "lp v=1")).status).toBe(400);
  });

  it("rejects bad lines by number and keeps the rest", async () => {
    const res = await post(t.url("/api/v1/metrics"), "lp_ok v=1\nlp_ok v=oops\n\nlp_ok\nlp_ok v=2\n");
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ accepted: 2, rejectedTotal: 2 });
    expect(res.body.rejected?.map((r) => r.line)).toEqual([2, 4]);
    expect(res.body.rejected?.[0]?.error).toMatch(/field "v": invalid value "oops"/);
  });

  it("takes gzip bodies (Telegraf) and sniffs curl's default form encoding", async () => {
    const res = await fetch(t.url("/api/v1/metrics"), {
      method: "POST",
      headers: { "content-type": "text/plain", "content-encoding": "gzip" },
      body: gzipSync("lp_gz v=7"),
    });
    expect(await res.json()).toEqual({ accepted: 1 });
    const form = await post(t.url("/api/v1/metrics"), "lp_form v=8", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(form.body).toEqual({ accepted: 1 });
    const json = await post(t.url("/api/v1/metrics"), '{"name":"lp_form","value":9}', {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(json.body).toEqual({ accepted: 1 });
    expect((await raw("lp_form.v"))[0]?.[5]).toBe(8); // sniffed as line protocol
    expect((await raw("lp_form"))[0]?.[5]).toBe(9); // sniffed as JSON
    expect((await raw("lp_gz.v"))[0]?.[5]).toBe(7);
  });
});

describe("limits", () => {
  it("refuses bodies over the limit with 413, and unknown content types with 415", async () => {
    const big = "lp_big v=1\n".repeat(10_000);
    const res = await fetch(t.url("/api/v1/metrics"), {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as ErrorBody).error.code).toBe(ApiErrorCode.PayloadTooLarge);
    // The limit applies after decompression too.
    const bomb = await fetch(t.url("/api/v1/metrics"), {
      method: "POST",
      headers: { "content-type": "text/plain", "content-encoding": "gzip" },
      body: gzipSync(big),
    });
    expect(bomb.status).toBe(413);
    const xml = await post<ErrorBody>(t.url("/api/v1/metrics"), "<x/>", { "content-type": "application/xml" });
    expect(xml.status).toBe(415);
    expect(await t.app.store.listSeries({ exact: "lp_big.v" }, 1)).toEqual([]);
  });

  it("refuses new series past the limit with a coded error, never silently", async () => {
    await using small = await startApp({ maxSeries: 50 });
    const free = 50 - (await small.app.store.seriesCount()); // the system feed may already own a few
    const points = Array.from({ length: free + 2 }, (_, i) => ({ name: `limit.s${i}`, value: i }));
    const res = await post(small.url("/api/v1/metrics"), points);
    expect(res.status).toBe(400);
    expect(res.body.accepted).toBe(free);
    expect(res.body.rejected).toEqual([
      { index: free, error: expect.stringMatching(/series limit reached \(50\)/), code: ApiErrorCode.LimitReached },
      { index: free + 1, error: expect.stringMatching(/series limit reached/), code: ApiErrorCode.LimitReached },
    ]);
    // Existing series still take points.
    expect((await post(small.url("/api/v1/metrics"), { name: "limit.s0", value: 1 })).status).toBe(200);
  });
});

describe("live rollups", () => {
  it("publishes each closed second on metrics:<seriesId> and the query returns the same bucket", async () => {
    const client = connect(`${t.app.url.replace("http", "ws")}/dashwire`);
    const got: Array<{ t: number; count: number; sum: number; min: number; max: number; last: number }> = [];
    const sub = client.subscribe("metrics:live.v,host=x", (data) => got.push(data as (typeof got)[number]));
    try {
      await sub.ready;
      const sent = Date.now();
      // Two points in one second, at distinct ms (one ts twice would be one point).
      const ts = sent % 1000 === 999 ? sent - 1 : sent;
      await post(t.url("/api/v1/metrics"), [
        { name: "live.v", tags: { host: "x" }, value: 2, ts },
        { name: "live.v", tags: { host: "x" }, value: 6, ts: ts + 1 },
      ]);
      const waitFor = async (n: number) => {
        const deadline = Date.now() + 3000;
        while (got.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      };
      // The open second's preview comes within ~200 ms (or the closed bucket, when the boundary
      // comes first); after the boundary the closed bucket has been published too.
      await waitFor(1);
      expect(Date.now() - sent).toBeLessThan(700);
      const closedBy = (Math.floor(sent / 1000) + 1) * 1000 + 200;
      await new Promise((r) => setTimeout(r, Math.max(0, closedBy - Date.now())));
      expect(got.length).toBeGreaterThanOrEqual(1);
      expect(got.length).toBeLessThanOrEqual(2);
      for (const bucket of got) {
        expect(bucket).toMatchObject({ count: 2, sum: 8, min: 2, max: 6, last: 6 });
        expect(bucket.t).toBe(Math.floor(sent / 1000) * 1000);
      }
      const bucket = got.at(-1);
      const q = await getJson<QueryBody>(t.url("/api/v1/query?series=live.v,host=x"));
      expect(q.body.points.at(-1)).toEqual([bucket?.t, 2, 8, 2, 6, 6]);
    } finally {
      client.close();
    }
  });

  it("lets a client write points over the socket with metrics.write", async () => {
    const client = connect(`${t.app.url.replace("http", "ws")}/dashwire`);
    try {
      const reply = await client.emit("metrics.write", [{ name: "sock.v", value: 4 }, { name: "sock.v" }]);
      expect(reply).toMatchObject({ accepted: 1, rejectedTotal: 1, rejected: [{ index: 1 }] });
      expect((await raw("sock.v"))[0]?.[5]).toBe(4);
    } finally {
      client.close();
    }
  });
});

describe("auth", () => {
  it("requires a key with the write scope when keys are configured", async () => {
    await using a = await startApp({
      apiKeys: [
        { key: "writer-key-1", scopes: ["write"] },
        { key: "reader-key-1", scopes: ["read"] },
      ],
    });
    const url = a.url("/api/v1/metrics");
    const point = { name: "auth.v", value: 1 };
    const none = await post<ErrorBody>(url, point);
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe(ApiErrorCode.Unauthorized);
    expect((await post(url, point, { authorization: "Bearer wrong-key-00" })).status).toBe(401);
    const reader = await post<ErrorBody>(url, point, { "x-api-key": "reader-key-1" });
    expect(reader.status).toBe(403);
    expect(reader.body.error.code).toBe(ApiErrorCode.Forbidden);
    expect((await post(url, point, { authorization: "Bearer writer-key-1" })).status).toBe(200);
    expect((await post(url, "auth v=1", { authorization: "Token writer-key-1" })).status).toBe(200);
    // Reads stay public by default, so the bundled UI works for viewers.
    expect((await getJson(a.url("/api/v1/query?series=auth.v"))).status).toBe(200);

    const client = connect(`${a.app.url.replace("http", "ws")}/dashwire`);
    await expect(client.emit("metrics.write", point)).rejects.toMatchObject({ code: ApiErrorCode.Unauthorized });
    client.close();
    const writer = connect(`${a.app.url.replace("http", "ws")}/dashwire`, { token: "writer-key-1" });
    await expect(writer.emit("metrics.write", point)).resolves.toMatchObject({ accepted: 1 });
    writer.close();
  });
});
