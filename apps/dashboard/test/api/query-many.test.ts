import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiErrorCode } from "../../src/errors.js";
import type { QueryManyAnswer } from "../../src/query/query-answer.js";
import { queryManyLimits } from "../../src/query/query-request.js";
import { type ErrorBody, getJson, post, type QueryBody, startApp, type TestApp } from "./helpers.js";

let t: TestApp;
/** The end of the window every query here asks for: a closed second after every point. */
let to: number;

beforeAll(async () => {
  t = await startApp();
  // Three series over the last 30 closed seconds; `m.b` gets two points a second.
  const nowSec = Math.floor(Date.now() / 1000) * 1000;
  const points = [];
  for (let i = 0; i < 30; i++) {
    const ts = nowSec - 30_000 + i * 1000;
    points.push(
      { name: "m.a", value: i, ts },
      { name: "m.b", value: i, ts },
      { name: "m.b", value: 2 * i, ts: ts + 500 },
    );
    points.push({ name: "m.c", tags: { host: "x" }, value: -i, ts });
  }
  expect((await post(t.url("/api/v1/metrics"), points)).body).toEqual({ accepted: 120 });
  to = nowSec;
});
afterAll(() => t.close());

const postQuery = <T = QueryManyAnswer & Partial<ErrorBody>>(body: unknown, headers: Record<string, string> = {}) =>
  post<T>(t.url("/api/v1/query"), body, headers);

describe("POST /api/v1/query", () => {
  it("answers several series in one request, in the order asked, each as GET answers it alone", async () => {
    const series = ["m.c,host=x", "m.a", "no.such.series", "m.b"];
    const from = to - 60_000;
    const { status, body } = await postQuery({ series, from, to, step: 1000 });
    expect(status).toBe(200);
    expect(body.step).toBe(1000);
    expect(body.results.map((r) => r.series)).toEqual(series);
    expect(body.results[2]?.points).toEqual([]);
    expect(body.results[3]?.points).toHaveLength(30);
    expect(body.results[3]?.points[1]?.slice(1)).toEqual([2, 3, 1, 2, 2]);
    for (const r of body.results) {
      const alone = await getJson<QueryBody>(
        t.url(`/api/v1/query?series=${encodeURIComponent(r.series)}&from=${from}&to=${to}&step=1000`),
      );
      expect(r.points, r.series).toEqual(alone.body.points);
      expect([body.from, body.to]).toEqual([alone.body.from, alone.body.to]);
    }
  });

  it("shares its bucket bound among the series: more series, a shorter window", async () => {
    const week = { from: to - 7 * 86_400_000, to, step: 60_000 };
    const one = await postQuery({ series: ["m.a"], ...week });
    expect((one.body.to - one.body.from) / one.body.step).toBe(5000);
    const many = Array.from({ length: queryManyLimits.maxSeries }, (_, i) => `m.many${i}`);
    const all = await postQuery({ series: many, ...week });
    expect(all.status).toBe(200);
    expect(all.body.step).toBe(60_000);
    expect((all.body.to - all.body.from) / all.body.step).toBe(queryManyLimits.maxBuckets / queryManyLimits.maxSeries);
  });

  it("refuses what it must not take with a coded error naming the field", async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{}, /^series: /],
      [{ series: [] }, /^series: /],
      [{ series: ["m.a", "cpu,host"] }, /^series\.1: not a series id/],
      [{ series: Array.from({ length: queryManyLimits.maxSeries + 1 }, (_, i) => `s${i}`) }, /^series: /],
      [{ series: ["m.a"], from: "0" }, /^from: /],
      [{ series: ["m.a"], step: 0 }, /^step: /],
      [{ series: ["m.a"], from: 2000, to: 1000 }, /^from: must be before to/],
      [{ series: ["m.a"], limit: 5 }, /unrecognized key/i],
    ];
    for (const [body, message] of cases) {
      const res = await postQuery<ErrorBody>(body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.error.code).toBe(ApiErrorCode.InvalidField);
      expect(res.body.error.message).toMatch(message);
    }
  });

  it("takes JSON only, from its own origin only, and a bounded body", async () => {
    const text = await postQuery<ErrorBody>(JSON.stringify({ series: ["m.a"] }));
    expect([text.status, text.body.error.code]).toEqual([415, ApiErrorCode.UnsupportedMediaType]);
    const foreign = await postQuery<ErrorBody>({ series: ["m.a"] }, { origin: "https://evil.example" });
    expect([foreign.status, foreign.body.error.code]).toEqual([403, ApiErrorCode.ForbiddenOrigin]);
    const huge = { series: ["m.a"], pad: "x".repeat(queryManyLimits.maxBodyBytes) };
    const big = await postQuery<ErrorBody>(huge);
    expect([big.status, big.body.error.code]).toEqual([413, ApiErrorCode.PayloadTooLarge]);
  });
});
