/**
 * The alert rules API: CRUD with ETag/If-Match as dashboards, validation errors that name the
 * field (strings bounded in bytes, webhook hosts by the operator's list), the rule limit, the
 * scopes (admin writes; readers without admin see webhook URLs cut to their origin), and the
 * history's filters and pages.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AlertListAnswer, AlertRule } from "../../src/alerts/alert-rule-schema.js";
import type { AlertHistoryAnswer } from "../../src/alerts/alert-routes.js";
import { ApiErrorCode } from "../../src/errors.js";
import type { Fence } from "../../src/store/lease.js";
import { type ErrorBody, getJson, send, startApp, type TestApp } from "../api/helpers.js";

const rule = {
  id: "cpu-high",
  title: "CPU high",
  series: "cpu.usage,host=web-1",
  op: "above",
  threshold: 90,
  forSec: 30,
  dashboard: "demo",
  panel: "cpu",
  webhooks: ["https://hooks.example.com/services/T0/B0/secret-token"],
};

describe("alert rules API", () => {
  let t: TestApp;
  beforeAll(async () => {
    // Long rounds: these tests look at the API, not at evaluation.
    t = await startApp({ alertEvalMs: 10_000, webhookHosts: [".example.com"], maxAlertRules: 3 });
  });
  afterAll(() => t.close());

  it("creates, reads, lists with state, replaces with If-Match and deletes a rule", async () => {
    const created = await send("POST", t.url("/api/v1/alerts"), rule);
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe("/api/v1/alerts/cpu-high");
    // Defaults filled in.
    expect(created.body).toEqual({ ...rule, reduce: "last", windowSec: 10 });
    const etag = created.headers.get("etag") as string;
    expect(etag).toMatch(/^"\d+"$/);

    const one = await fetch(t.url("/api/v1/alerts/cpu-high"));
    expect(one.headers.get("etag")).toBe(etag);
    const list = await getJson<AlertListAnswer>(t.url("/api/v1/alerts"));
    expect(list.body.alerts).toEqual([
      {
        rule: { ...rule, reduce: "last", windowSec: 10 },
        version: Number(etag.slice(1, -1)),
        status: { state: "ok", since: 0, value: null, evaluatedAt: null },
      },
    ]);

    const v2 = await send("PUT", t.url("/api/v1/alerts/cpu-high"), { ...rule, threshold: 95 }, { "if-match": etag });
    expect(v2.status).toBe(200);
    expect(v2.body).toMatchObject({ threshold: 95 });
    const stale = await send("PUT", t.url("/api/v1/alerts/cpu-high"), rule, { "if-match": etag });
    expect(stale.status).toBe(412);
    expect((stale.body as ErrorBody).error.code).toBe(ApiErrorCode.PreconditionFailed);
    expect((await send("DELETE", t.url("/api/v1/alerts/cpu-high"), undefined, { "if-match": etag })).status).toBe(412);
    const untitled = await send("POST", t.url("/api/v1/alerts"), { ...rule, id: undefined, title: "Disk Full!" });
    expect(untitled.body).toMatchObject({ id: "disk-full" });
    expect((await send("DELETE", t.url("/api/v1/alerts/cpu-high"))).status).toBe(204);
    expect((await send("DELETE", t.url("/api/v1/alerts/cpu-high"))).status).toBe(404);
    expect((await getJson<ErrorBody>(t.url("/api/v1/alerts/cpu-high"))).status).toBe(404);
    expect((await send("PUT", t.url("/api/v1/alerts/disk-full"), { ...rule, id: "other" })).status).toBe(400);
    expect((await send("DELETE", t.url("/api/v1/alerts/disk-full"))).status).toBe(204);
  });

  it("answers an invalid rule with a 400 naming the field", async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ...rule, extra: 1 }, /Unrecognized key: "extra"/],
      [{ ...rule, op: "over" }, /^op: /],
      [{ ...rule, series: "has,no-equals" }, /^series: /],
      [{ ...rule, threshold: "high" }, /^threshold: /],
      [{ ...rule, forSec: 86_401 }, /^forSec: /],
      [{ ...rule, windowSec: 0 }, /^windowSec: /],
      [{ ...rule, reduce: "p99" }, /^reduce: /],
      // 51 emoji: 102 UTF-16 units, 204 bytes: bounded in bytes.
      [{ ...rule, title: "🔥".repeat(51) }, /^title: must be at most 200 bytes/],
      [{ ...rule, id: "history" }, /^id: is reserved/],
      [{ ...rule, dashboard: undefined }, /^panel: needs dashboard/],
      [{ ...rule, webhooks: ["file:///etc/passwd"] }, /^webhooks\.0: must be an http/],
      [{ ...rule, webhooks: ["http://169.254.169.254/latest"] }, /^webhooks\.0: host 169\.254\.169\.254 not allowed/],
      [{ ...rule, webhooks: Array(6).fill(rule.webhooks[0]) }, /^webhooks: /],
      [{ ...rule, webhooks: [`https://hooks.example.com/${"x".repeat(2100)}`] }, /^webhooks\.0: must be at most 2048/],
      ["{broken", /invalid JSON/],
    ];
    for (const [body, message] of cases) {
      const r = await send("POST", t.url("/api/v1/alerts"), body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect((r.body as ErrorBody).error).toMatchObject({ code: ApiErrorCode.InvalidField });
      expect((r.body as ErrorBody).error.message).toMatch(message);
    }
    expect((await send("POST", t.url("/api/v1/alerts"), rule, { "content-type": "text/plain" })).status).toBe(415);
    expect((await getJson<AlertListAnswer>(t.url("/api/v1/alerts"))).body.alerts).toEqual([]);
  });

  it("refuses a rule past the limit with 409 (code 3003)", async () => {
    for (const id of ["l1", "l2", "l3"])
      expect((await send("POST", t.url("/api/v1/alerts"), { ...rule, id })).status).toBe(201);
    const over = await send("POST", t.url("/api/v1/alerts"), { ...rule, id: "l4" });
    expect(over.status).toBe(409);
    expect((over.body as ErrorBody).error).toMatchObject({ code: ApiErrorCode.LimitReached });
    for (const id of ["l1", "l2", "l3"]) await send("DELETE", t.url(`/api/v1/alerts/${id}`));
  });

  it("pages the history newest first, by rule and time", async () => {
    // A fence of a lease of its own (the app's evaluator holds "alerts").
    const fence = (await t.app.store.leases.acquire("history-test", "me", 60_000)) as Fence;
    const transitions = [1, 2, 3, 4, 5].map((i) => ({
      rule: i % 2 === 0 ? "b" : "a",
      at: i * 1000,
      from: "ok" as const,
      to: "pending" as const,
      value: i,
    }));
    await t.app.store.alerts.saveRound(
      fence,
      { states: [], transitions, webhooks: [] },
      { maxHistory: 100, maxQueue: 10 },
    );
    const get = async (q: string) => (await getJson<AlertHistoryAnswer>(t.url(`/api/v1/alerts/history${q}`))).body;
    expect((await get("")).transitions.map((x) => x.value)).toEqual([5, 4, 3, 2, 1]);
    expect((await get("?rule=a")).transitions.map((x) => x.value)).toEqual([5, 3, 1]);
    expect((await get("?from=2000&to=4000")).transitions.map((x) => x.value)).toEqual([3, 2]);
    const page = await get("?limit=2");
    expect(page.transitions.map((x) => x.value)).toEqual([5, 4]);
    expect((await get(`?limit=2&before=${page.next}`)).transitions.map((x) => x.value)).toEqual([3, 2]);
    expect((await getJson<ErrorBody>(t.url("/api/v1/alerts/history?limit=x"))).body.error.message).toMatch(/^limit: /);
  });
});

describe("alert rules API with keys", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({
      alertEvalMs: 10_000,
      webhookHosts: ["hooks.example.com"],
      apiKeys: [
        { key: "admin-key-1", scopes: ["admin"] },
        { key: "write-key-1", scopes: ["write"] },
        { key: "read-key-01", scopes: ["read"] },
      ],
    });
  });
  afterAll(() => t.close());

  it("needs admin to write; shows webhook URLs whole to admin only", async () => {
    const as = (key: string) => ({ authorization: `Bearer ${key}` });
    expect((await send("POST", t.url("/api/v1/alerts"), rule)).status).toBe(401);
    expect((await send("POST", t.url("/api/v1/alerts"), rule, as("write-key-1"))).status).toBe(403);
    expect((await send("POST", t.url("/api/v1/alerts"), rule, as("admin-key-1"))).status).toBe(201);
    // A cross-site browser request is refused whatever the key (the app's Origin check).
    const foreign = await send("DELETE", t.url("/api/v1/alerts/cpu-high"), undefined, {
      ...as("admin-key-1"),
      origin: "https://evil.example",
    });
    expect(foreign.status).toBe(403);
    const seen = async (headers: Record<string, string>) =>
      (await getJson<AlertListAnswer>(t.url("/api/v1/alerts"), headers)).body.alerts[0]?.rule.webhooks;
    expect(await seen(as("admin-key-1"))).toEqual(rule.webhooks);
    expect(await seen(as("read-key-01"))).toEqual(["https://hooks.example.com/…"]);
    expect(await seen({})).toEqual(["https://hooks.example.com/…"]);
    const one = await getJson<AlertRule>(t.url("/api/v1/alerts/cpu-high"), as("read-key-01"));
    expect(one.body.webhooks).toEqual(["https://hooks.example.com/…"]);
  });
});
