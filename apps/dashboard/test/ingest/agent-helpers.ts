/** Shared pieces of the agent ingest tests: reading back what was stored, and `/metrics` counters. */
import { expect } from "vitest";
import { until } from "../../../../packages/server/test/until.js";
import { getJson, type QueryBody, type TestApp } from "../api/helpers.js";

/** The rows of series `id` over the last minute, once there are `atLeast` (closed buckets only). */
export async function rowsOf(t: TestApp, id: string, atLeast = 1, timeoutMs = 8000): Promise<QueryBody["points"]> {
  let rows: QueryBody["points"] = [];
  await until(
    async () => {
      const q = await getJson<QueryBody>(
        t.url(`/api/v1/query?${new URLSearchParams({ series: id, from: String(Date.now() - 60_000), step: "1000" })}`),
      );
      expect(q.status, JSON.stringify(q.body)).toBe(200);
      rows = q.body.points;
      return rows.length >= atLeast;
    },
    timeoutMs,
    `${atLeast} closed bucket(s) of ${id}`,
  );
  return rows;
}

/** The ids of every series the app lists whose id starts with `prefix`. */
export async function seriesIds(t: TestApp, prefix: string): Promise<string[]> {
  const r = await getJson<{ series: Array<{ id: string }> }>(
    t.url(`/api/v1/series?${new URLSearchParams({ match: prefix })}`),
  );
  return r.body.series.map((s) => s.id);
}

/** A sample of `/metrics`, e.g. `counter(t, 'dashwire_ingest_points_total{format="otlp_json",result="accepted"}')`. */
export async function counter(t: TestApp, sample: string): Promise<number> {
  const text = await (await fetch(t.url("/metrics"))).text();
  const line = text.split("\n").find((l) => l.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}
