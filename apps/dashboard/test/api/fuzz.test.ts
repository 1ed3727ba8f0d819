import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type TestApp } from "./helpers.js";

/**
 * Property-based fuzzing of every dashboard HTTP endpoint: random methods, paths, queries,
 * content types and bodies (JSON values, point-shaped objects with wrong types, line-protocol
 * lookalikes, raw text). Every answer must be a known status, every error a coded JSON body,
 * and the process must see no uncaught exception or unhandled rejection. The suite runs a few
 * hundred inputs; `FUZZ_RUNS=100000 npx vitest run apps/dashboard/test/api/fuzz.test.ts` is
 * the dedicated run.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const ALLOWED = new Set([200, 201, 204, 304, 400, 401, 403, 404, 405, 409, 411, 413, 415, 422, 429, 503]);
/** The agent ingest paths, which answer errors in their own protocol's shape. */
const AGENT_PATHS = ["/write", "/query", "/ping", "/api/v2/write", "/api/v1/write", "/v1/metrics"];

let t: TestApp;
const crashes: unknown[] = [];
const onCrash = (err: unknown) => crashes.push(err);

beforeAll(async () => {
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);
  t = await startApp({
    apiKeys: [
      { key: "k-write", scopes: ["write", "read"] },
      { key: "k-admin", scopes: ["admin", "read", "write"] },
    ],
  });
});

afterAll(async () => {
  process.off("uncaughtException", onCrash);
  process.off("unhandledRejection", onCrash);
  await t?.close();
});

const name = fc.stringMatching(/^[A-Za-z0-9_.\-:/@]{1,12}$/);
const anyText = fc.string({ maxLength: 60 });
const scalar = fc.oneof(fc.double(), fc.integer(), fc.boolean(), fc.constant(null), anyText);
const point = fc.record(
  {
    name: fc.oneof(name, scalar),
    value: fc.oneof(fc.double({ noNaN: false }), scalar),
    tags: fc.oneof(fc.dictionary(fc.oneof(name, anyText), fc.oneof(name, scalar), { maxKeys: 3 }), scalar),
    ts: fc.oneof(fc.integer({ min: Date.now() - 10 ** 9, max: Date.now() + 10 ** 7 }), scalar),
  },
  { requiredKeys: [] },
);
const lineProtocol = fc
  .array(
    fc
      .tuple(
        name,
        fc.dictionary(name, name, { maxKeys: 2 }),
        fc.dictionary(
          name,
          fc.oneof(
            fc.double(),
            fc.integer().map((i) => `${i}i`),
            fc.constantFrom("t", "f", '"s"'),
          ),
          { maxKeys: 3 },
        ),
        fc.option(fc.bigInt({ min: 0n, max: 2n ** 63n })),
      )
      .map(([m, tags, fields, ts]) => {
        const tagText = Object.entries(tags)
          .map(([k, v]) => `,${k}=${v}`)
          .join("");
        const fieldText = Object.entries(fields)
          .map(([k, v]) => `${k}=${v}`)
          .join(",");
        return `${m}${tagText} ${fieldText}${ts === null ? "" : ` ${ts}`}`;
      }),
    { maxLength: 5 },
  )
  .map((lines) => lines.join("\n"));
const dashboard = fc.record(
  {
    id: fc.oneof(name, scalar),
    title: fc.oneof(anyText, scalar),
    panels: fc.oneof(
      fc.array(
        fc.record(
          {
            id: fc.oneof(name, scalar),
            kind: fc.oneof(fc.constantFrom("timeseries", "stat", "gauge", "table", "online"), anyText),
            title: anyText,
            series: fc.oneof(fc.array(name, { maxLength: 3 }), scalar),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 3 },
      ),
      scalar,
    ),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .oneof(point, fc.array(point, { maxLength: 4 }), fc.record({ points: fc.array(point, { maxLength: 4 }) }))
      .map((v) => JSON.stringify(v)),
  },
  { weight: 2, arbitrary: dashboard.map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: lineProtocol },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constantFrom("", "{", "[[[[", '{"points":', "cpu value=1 9999999999999999999999") },
);
const path = fc.oneof(
  fc.constantFrom(
    "/api/v1/metrics",
    "/api/v1/series",
    "/api/v1/query",
    "/api/v1/dashboards",
    "/api/v1/config",
    "/api/v1/cluster",
    "/api/v1/alerts",
    "/api/v1/alerts/history",
    "/api/v1/annotations",
    ...AGENT_PATHS,
  ),
  fc.oneof(name, anyText).map((id) => `/api/v1/dashboards/${encodeURIComponent(id)}`),
  fc.oneof(name, anyText).map((id) => `/api/v1/alerts/${encodeURIComponent(id)}`),
  fc.oneof(name, anyText).map((id) => `/api/v1/annotations/${encodeURIComponent(id)}`),
  fc.constantFrom("/api/v1/dashboards/demo", "/api/v1/dashboards/system", "/", "/index.html", "/api/v2/x", "/api/v1/"),
);
const query = fc.oneof(
  fc.constant(""),
  fc
    .record(
      {
        series: fc.oneof(name, anyText),
        from: fc.oneof(fc.integer(), anyText),
        to: fc.oneof(fc.integer(), anyText),
        step: fc.oneof(fc.integer(), anyText),
        match: anyText,
        precision: fc.constantFrom("ns", "us", "ms", "s", "h", ""),
        db: fc.oneof(name, anyText),
        bucket: fc.oneof(name, anyText),
        q: fc.oneof(fc.constantFrom("SHOW DATABASES", 'CREATE DATABASE "x"', "SELECT 1", "; ;"), anyText),
        p: fc.constantFrom("k-write", "wrong"),
      },
      { requiredKeys: [] },
    )
    .map((q) => `?${new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)])).toString()}`),
);
const request = fc.record({
  method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"),
  path,
  query,
  contentType: fc.constantFrom(
    undefined,
    "application/json",
    "text/plain",
    "text/plain; charset=utf-8",
    "application/x-www-form-urlencoded",
    "application/octet-stream",
    "application/x-protobuf",
  ),
  key: fc.constantFrom(undefined, "k-write", "k-admin", "wrong"),
  body,
});

describe("dashboard HTTP API fuzzing", () => {
  it(`answers ${RUNS} random requests with known statuses and coded errors, and keeps serving`, async () => {
    const statuses: Record<number, number> = {};
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: Record<string, string> = {};
        if (r.contentType !== undefined) headers["content-type"] = r.contentType;
        if (r.key !== undefined) headers.authorization = `Bearer ${r.key}`;
        const withBody = r.method !== "GET" && r.method !== "HEAD" && r.method !== "OPTIONS";
        const res = await fetch(t.url(r.path + r.query), {
          method: r.method,
          headers,
          body: withBody ? r.body : undefined,
        });
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const text = await res.text();
        expect(
          ALLOWED.has(res.status),
          `${res.status} for ${r.method} ${r.path}${r.query}: ${text.slice(0, 200)}`,
        ).toBe(true);
        if (res.status >= 400 && r.method !== "HEAD" && AGENT_PATHS.includes(r.path)) {
          // Their protocol's error (InfluxDB v1/v2, Prometheus text, OTLP Status) or, for a
          // method the route does not have, the app's coded error.
          const type = res.headers.get("content-type") ?? "";
          if (type.startsWith("text/plain")) expect(text.length).toBeGreaterThan(0);
          else if (type === "application/x-protobuf") expect(res.status).toBeLessThan(500);
          else {
            const answer = JSON.parse(text) as { error?: unknown; code?: unknown; message?: unknown };
            const influxV1 = typeof answer.error === "string";
            const influxV2 = typeof answer.code === "string" && typeof answer.message === "string";
            const otlp = typeof answer.code === "number" && typeof answer.message === "string";
            const app = typeof answer.error === "object" && answer.error !== null;
            expect(influxV1 || influxV2 || otlp || app, `${r.method} ${r.path}: ${text.slice(0, 200)}`).toBe(true);
          }
        } else if (res.status >= 400 && r.path.startsWith("/api/") && r.method !== "HEAD") {
          // Either a coded error, or (ingest) a partial-batch answer whose every refusal is coded.
          const answer = JSON.parse(text) as {
            error?: { code?: unknown; message?: unknown };
            rejected?: { code?: unknown; error?: unknown }[];
          };
          if (answer.rejected !== undefined) {
            expect(answer.rejected.length).toBeGreaterThan(0);
            for (const x of answer.rejected) expect([typeof x.code, typeof x.error]).toEqual(["number", "string"]);
          } else expect([typeof answer.error?.code, typeof answer.error?.message]).toEqual(["number", "string"]);
        }
      }),
      { numRuns: RUNS },
    );
    expect(crashes).toEqual([]);
    expect((await fetch(t.url("/healthz"))).status).toBe(200);
    if (RUNS > 1000) console.log(`dashboard fuzz: ${RUNS} inputs, statuses ${JSON.stringify(statuses)}`);
  }, 600_000);
});
