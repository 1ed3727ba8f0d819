/**
 * The data of the query benchmarks (`query-path.ts`, `query-http.ts`): the `ingest-query`
 * workload, `series` series of 10 points/s over the last 14.5 minutes, written to a SQLite store.
 */
import type { SeriesPoint, Store } from "../src/store/store.js";

/** The ids of the workload's series. */
export function queryIds(series: number): string[] {
  return Array.from({ length: series }, (_, s) => `bench_cpu,host=host-${String(s).padStart(3, "0")}`);
}

/** Writes the workload of `ids` up to `now` (ms) into `store`; returns the 15-minute window to read. */
export async function writeQueryWorkload(
  store: Store,
  ids: readonly string[],
  now: number,
): Promise<{ from: number; to: number }> {
  const start = Math.floor((now - 870_000) / 1000) * 1000;
  // One write per 10 s of data: 100 points per series.
  for (let t = start; t < now - 1000; t += 10_000) {
    const points: SeriesPoint[] = [];
    for (let s = 0; s < ids.length; s++)
      for (let j = 0; j < 100 && t + j * 100 < now - 1000; j++)
        points.push({
          id: ids[s] as string,
          name: "bench_cpu",
          tags: undefined,
          value: ((s + j) % 100) / 10,
          ts: t + j * 100,
        });
    await store.write(points, 10_000);
  }
  const to = Math.floor(now / 1000) * 1000;
  return { from: to - 900_000, to };
}
