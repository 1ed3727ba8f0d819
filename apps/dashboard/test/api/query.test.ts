import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiErrorCode } from "../../src/errors.js";
import { parseRetention } from "../../src/store/retention.js";
import { type ErrorBody, getJson, post, type QueryBody, startApp, type TestApp } from "./helpers.js";

let t: TestApp;
/** A minute boundary two hours ago: the base of the back-dated points. */
let base: number;

beforeAll(async () => {
  // Points two hours old are accepted only within the raw-point window (the 1 s retention).
  t = await startApp({ resolutions: parseRetention("1s=3h") });
  base = Math.floor((Date.now() - 2 * 3_600_000) / 60_000) * 60_000;
  // Two hours ago: 120 s of one point per second (value = second index), too old for the 1 s ring.
  const old = Array.from({ length: 120 }, (_, i) => ({
    name: "q.v",
    tags: { host: "a" },
    value: i,
    ts: base + i * 1000,
  }));
  // Recent: the last 20 closed seconds.
  const nowSec = Math.floor(Date.now() / 1000) * 1000;
  const recent = Array.from({ length: 20 }, (_, i) => ({
    name: "q.v",
    tags: { host: "a" },
    value: 1000 + i,
    ts: nowSec - 20_000 + i * 1000,
  }));
  expect((await post(t.url("/api/v1/metrics"), [...old, ...recent])).body).toEqual({ accepted: 140 });
});
afterAll(() => t.close());

const q = (params: string) => getJson<QueryBody>(t.url(`/api/v1/query?series=q.v,host=a&${params}`));

describe("GET /api/v1/query", () => {
  it("serves a short recent window from the 1 s ring, closed buckets only, ascending", async () => {
    const { status, body } = await q("");
    expect(status).toBe(200);
    expect(body.series).toBe("q.v,host=a");
    expect(body.step).toBe(1000);
    expect(body.to - body.from).toBeLessThanOrEqual(300_000);
    expect(body.to).toBeLessThanOrEqual(Date.now());
    expect(body.points.length).toBeGreaterThanOrEqual(19);
    expect(body.points.every((p, i) => i === 0 || p[0] > (body.points[i - 1]?.[0] ?? 0))).toBe(true);
    expect(body.points.every((p) => p[0] + 1000 <= body.to)).toBe(true);
    expect(body.points[0]?.slice(1)).toEqual([1, 1000, 1000, 1000, 1000]);
  });

  it("picks the 10 s ring for a 3-hour window and aggregates into it", async () => {
    const { body } = await q(`from=${Date.now() - 3 * 3_600_000}`);
    expect(body.step).toBe(10_000);
    const first = body.points.find((p) => p[0] === base);
    // Seconds 0..9 in one 10 s bucket: count 10, sum 45, min 0, max 9, last 9.
    expect(first).toEqual([base, 10, 45, 0, 9, 9]);
    expect(body.points.filter((p) => p[0] >= base && p[0] < base + 120_000)).toHaveLength(12);
  });

  it("rounds step up to a ring resolution and uses the 60 s ring for long windows", async () => {
    const win = `from=${base - 60_000}&to=${base + 180_000}`;
    expect((await q(`${win}&step=5000`)).body.step).toBe(10_000);
    const minute = await q(`${win}&step=60000`);
    expect(minute.body.step).toBe(60_000);
    expect(minute.body.points.slice(0, 2)).toEqual([
      [base, 60, 1770, 0, 59, 59],
      [base + 60_000, 60, 5370, 60, 119, 119],
    ]);
    expect((await q(`from=${Date.now() - 3 * 86_400_000}`)).body.step).toBe(60_000);
  });

  it("clamps windows to what is kept and to 5000 points", async () => {
    const { body } = await q(`from=${Date.now() - 30 * 86_400_000}&to=${Date.now() + 86_400_000}`);
    expect(body.step).toBe(60_000);
    expect((body.to - body.from) / body.step).toBeLessThanOrEqual(5000);
    expect(body.to).toBeLessThanOrEqual(Date.now());
  });

  it("refuses a point older than the raw-point window with a coded error", async () => {
    await using d = await startApp();
    const res = await post(d.url("/api/v1/metrics"), [{ name: "q.old", value: 1, ts: Date.now() - 3_600_000 }]);
    expect(res.status).toBe(400);
    expect(res.body.rejected?.[0]).toMatchObject({
      index: 0,
      code: ApiErrorCode.TimestampOutOfRange,
      error: expect.stringMatching(/older than the raw-point window \(900 s, the 1 s retention\)/),
    });
  });

  it("returns an empty list for a valid series with no data", async () => {
    const { status, body } = await getJson<QueryBody>(t.url("/api/v1/query?series=nothing.here"));
    expect(status).toBe(200);
    expect(body.points).toEqual([]);
  });

  it("answers bad parameters with a 400 that names them", async () => {
    const cases: Array<[string, RegExp]> = [
      ["", /^series: required/],
      ["series=cpu%2Chost", /^series: not a series id/],
      ["series=q.v,host=a&from=abc", /^from: /],
      ["series=q.v,host=a&step=0", /^step: /],
      ["series=q.v,host=a&from=2000&to=1000", /^from: must be before to/],
    ];
    for (const [params, message] of cases) {
      const { status, body } = await getJson<ErrorBody>(t.url(`/api/v1/query?${params}`));
      expect(status, params).toBe(400);
      expect(body.error.code).toBe(ApiErrorCode.InvalidField);
      expect(body.error.message).toMatch(message);
    }
  });
});

describe("GET /api/v1/series", () => {
  it("lists series by prefix with name and tags", async () => {
    const { body } = await getJson<{ series: Array<{ id: string; name: string; tags: Record<string, string> }> }>(
      t.url("/api/v1/series?match=q."),
    );
    expect(body.series).toEqual([{ id: "q.v,host=a", name: "q.v", tags: { host: "a" } }]);
    const all = await getJson<{ series: Array<{ id: string }> }>(t.url("/api/v1/series"));
    expect(all.body.series.map((s) => s.id)).toContain("q.v,host=a");
  });

  it("lists a new series as soon as its first point is acknowledged, not when its second closes", async () => {
    expect((await post(t.url("/api/v1/metrics"), { name: "fresh.series", value: 1 })).status).toBe(200);
    const { body } = await getJson<{ series: Array<{ id: string }> }>(t.url("/api/v1/series?match=fresh."));
    expect(body.series.map((s) => s.id)).toEqual(["fresh.series"]);
  });
});
