/**
 * The annotations API: POST (idempotent with an id), GET by range, dashboard and tags, DELETE,
 * validation in bytes, the write scope, and every change published live on `annotations`.
 */
import { connect } from "@dashwire/client/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../../packages/server/test/until.js";
import type { Annotation, AnnotationEvent, AnnotationListAnswer } from "../../src/annotations/annotation-schema.js";
import { ApiErrorCode } from "../../src/errors.js";
import { type ErrorBody, getJson, send, startApp, type TestApp } from "../api/helpers.js";

describe("annotations API", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ alertEvalMs: 10_000 });
  });
  afterAll(() => t.close());
  const list = async (q: string) =>
    (await getJson<AnnotationListAnswer>(t.url(`/api/v1/annotations${q}`))).body.annotations.map((a) => a.id);

  it("stores, queries, retries and deletes annotations, each change published live", async () => {
    const client = connect<{ topics: { annotations: AnnotationEvent } }>(`ws://127.0.0.1:${t.app.port}/dashwire`);
    const events: AnnotationEvent[] = [];
    await client.subscribe("annotations", (e) => events.push(e)).ready;
    try {
      const now = Date.now();
      const deploy = { id: "deploy-42", text: "deploy v1.4.2 ✓", tags: ["deploy", "api"], dashboard: "demo" };
      const created = await send("POST", t.url("/api/v1/annotations"), deploy);
      expect(created.status).toBe(201);
      expect(created.headers.get("location")).toBe("/api/v1/annotations/deploy-42");
      const a = created.body as Annotation;
      expect(a).toMatchObject({ ...deploy, timeEnd: a.time });
      expect(a.time).toBeGreaterThanOrEqual(now);
      // A retry (same id, same content) changes nothing; other content under the id is a conflict.
      const retried = await send("POST", t.url("/api/v1/annotations"), deploy);
      expect([retried.status, retried.body]).toEqual([200, a]);
      const clash = await send("POST", t.url("/api/v1/annotations"), { ...deploy, text: "other" });
      expect([clash.status, (clash.body as ErrorBody).error.code]).toEqual([409, ApiErrorCode.Conflict]);

      const incident = { time: now - 60_000, timeEnd: now - 30_000, text: "db failover", tags: ["incident"] };
      const range = await send("POST", t.url("/api/v1/annotations"), incident);
      expect(range.status).toBe(201);
      const rid = (range.body as Annotation).id;
      expect(rid).toMatch(/^a[A-Za-z0-9_-]{12}$/);
      await send("POST", t.url("/api/v1/annotations"), { id: "lab-note", text: "lab only", dashboard: "lab" });

      expect(await list("")).toEqual([rid, "deploy-42", "lab-note"]);
      expect(await list(`?from=${now - 40_000}&to=${now - 35_000}`)).toEqual([rid]);
      expect(await list("?dashboard=demo")).toEqual([rid, "deploy-42"]);
      expect(await list("?tag=deploy&tag=api")).toEqual(["deploy-42"]);
      expect(await list("?tag=dep")).toEqual([]);
      const cut = await getJson<AnnotationListAnswer>(t.url("/api/v1/annotations?limit=1"));
      expect(cut.body).toMatchObject({ truncated: true });
      expect(cut.body.annotations).toHaveLength(1);

      expect((await send("DELETE", t.url("/api/v1/annotations/deploy-42"))).status).toBe(204);
      expect((await send("DELETE", t.url("/api/v1/annotations/deploy-42"))).status).toBe(404);
      expect(await list("?dashboard=demo")).toEqual([rid]);

      await until(() => events.length === 4, 5000, "four publications");
      expect(events.map((e) => (e.kind === "added" ? `+${e.annotation.id}` : `-${e.id}`))).toEqual([
        "+deploy-42",
        `+${rid}`,
        "+lab-note",
        "-deploy-42",
      ]);
    } finally {
      client.close();
    }
  });

  it("answers an invalid annotation with a 400 naming the field", async () => {
    const now = Date.now();
    const cases: Array<[unknown, RegExp]> = [
      [{}, /^text: /],
      [{ text: "x", extra: 1 }, /Unrecognized key: "extra"/],
      [{ text: "é".repeat(2049) }, /^text: must be at most 4096 bytes/],
      [{ text: "x", tags: ["a,b"] }, /^tags\.0: must not hold/],
      [{ text: "x", tags: ['say "hi"'] }, /^tags\.0: must not hold/],
      [{ text: "x", tags: Array(11).fill("t") }, /^tags: /],
      [{ text: "x", time: now, timeEnd: now - 1 }, /^timeEnd: must not be before time/],
      [{ text: "x", time: now - 30 * 86_400_000 }, /^time: ended before the retention/],
      [{ text: "x", time: now + 400 * 86_400_000 }, /^time: more than a year ahead/],
      [{ text: "x", panel: "cpu" }, /^panel: needs dashboard/],
      [{ text: "x", id: "-bad" }, /^id: /],
    ];
    for (const [body, message] of cases) {
      const r = await send("POST", t.url("/api/v1/annotations"), body);
      expect(r.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect((r.body as ErrorBody).error.message).toMatch(message);
    }
    const bad = async (q: string) => (await getJson<ErrorBody>(t.url(`/api/v1/annotations${q}`))).body.error.message;
    expect(await bad("?from=10&to=5")).toMatch(/^from: /);
    expect(await bad("?tag=a%2Cb")).toMatch(/^tag: /);
    expect(await bad("?dashboard=%20x")).toMatch(/^dashboard: /);
  });
});

describe("annotations API with keys", () => {
  it("needs the write scope to post and delete, read to list", async () => {
    await using t = await startApp({
      alertEvalMs: 10_000,
      publicRead: false,
      apiKeys: [
        { key: "write-key-1", scopes: ["write"] },
        { key: "read-key-01", scopes: ["read"] },
      ],
    });
    const as = (key: string) => ({ authorization: `Bearer ${key}` });
    const note = { id: "n1", text: "deploy" };
    expect((await send("POST", t.url("/api/v1/annotations"), note, as("read-key-01"))).status).toBe(403);
    expect((await send("POST", t.url("/api/v1/annotations"), note, as("write-key-1"))).status).toBe(201);
    expect((await getJson(t.url("/api/v1/annotations"))).status).toBe(401);
    expect((await getJson(t.url("/api/v1/annotations"), as("read-key-01"))).status).toBe(200);
    expect((await send("DELETE", t.url("/api/v1/annotations/n1"), undefined, as("read-key-01"))).status).toBe(403);
    expect((await send("DELETE", t.url("/api/v1/annotations/n1"), undefined, as("write-key-1"))).status).toBe(204);
  });
});
