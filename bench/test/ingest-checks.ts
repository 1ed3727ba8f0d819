/** What the storage-scenario tests check of every target. */
import { expect } from "vitest";
import { runIngest } from "../src/ingest/ingest-run.js";
import type { IngestTarget } from "../src/ingest/ingest-target.js";

// Tiny runs against the real servers, unpinned: 500-point bodies over 10 series, 1 s windows.
const unpinned = { serverCpus: "", loadCpus: "" };
const shape = { lines: 500, series: 10 };

/**
 * A tiny `ingest` run of `target`: every body acknowledged, and every acknowledged point of
 * warm-up and window counted back by the target's own query, none twice.
 */
export async function ingestsAndCountsEveryPoint(target: IngestTarget): Promise<void> {
  const f = await runIngest(target, {
    ...unpinned,
    workload: { ...shape, strideMs: 1 },
    warmupS: 1,
    durationS: 1,
    connections: 2,
  });
  expect(f.window.ok).toBeGreaterThan(0);
  expect(f.window.statuses).toEqual({});
  expect(f.pointsPerSec).toBe(Math.round((f.window.ok * 500) / f.window.durationS));
  // Every acknowledged point of warm-up and window is counted back by the target's query.
  expect(f.drop.acknowledged).toBe((f.window.ok + (f.warmup?.ok ?? 0)) * 500);
  expect(f.drop).toMatchObject({ missing: 0, overcounted: 0, ok: true });
  expect(f.drop.stored).toBeGreaterThanOrEqual(f.drop.acknowledged);
  expect(f.server.cpuPct).toBeGreaterThan(0);
  expect(f.server.rssAvgMB).toBeGreaterThan(10);
  expect(f.window.latencyMs.p99).toBeGreaterThan(0);
}
