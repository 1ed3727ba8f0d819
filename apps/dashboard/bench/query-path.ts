/**
 * Micro-benchmark of the query path, in process, without HTTP: the `ingest-query` workload
 * (`--series` series of 10 points/s over the last 14.5 minutes, in the SQLite store), then a
 * 15-minute 1 s read of every series: the store's reads alone, reads + `JSON.stringify` of the
 * answer (what `POST /api/v1/query` did first), then the store's cached JSON text (`queryText`)
 * as the route sends it now.
 *
 *   npx tsx apps/dashboard/bench/query-path.ts [series=100] [rounds=20]
 *
 * Figures are CPU time (user + system of this process) per round of all the series, steadier
 * than wall time on a shared machine; run it pinned (`taskset -c 0`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { encodeQueryAnswer } from "../src/query/query-answer.js";
import { SqliteStore } from "../src/store/sqlite-store.js";
import { queryIds, writeQueryWorkload } from "./query-workload.js";

const [series = 100, rounds = 20] = process.argv.slice(2).map(Number);

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const ids = queryIds(series);
const dir = mkdtempSync(join(tmpdir(), "dashwire-query-bench-"));
try {
  const store = new SqliteStore({ dataDir: dir, sync: "normal" });
  const { from, to } = await writeQueryWorkload(store, ids, Date.now());
  await store.query(ids[0] as string, 0, from, to, 5000); // folds what waits
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}; ${series} series, ${rounds} rounds`,
  );
  let t0 = cpuMs();
  let buckets = 0;
  for (let r = 0; r < rounds; r++) for (const id of ids) buckets += (await store.query(id, 0, from, to, 901)).length;
  let ms = (cpuMs() - t0) / rounds;
  console.log(
    `store reads             ${ms.toFixed(1)} ms CPU a round (${buckets / rounds / series} buckets a series)`,
  );
  t0 = cpuMs();
  let bytes = 0;
  for (let r = 0; r < rounds; r++) {
    const results = [];
    for (const id of ids) results.push({ series: id, points: await store.query(id, 0, from, to, 901) });
    bytes += JSON.stringify({ step: 1000, from, to, results }).length;
  }
  ms = (cpuMs() - t0) / rounds;
  console.log(`reads + JSON.stringify  ${ms.toFixed(1)} ms CPU a round (${Math.round(bytes / rounds / 1024)} KiB)`);
  // What POST /api/v1/query does: the store's JSON text (cached by minute), joined.
  t0 = cpuMs();
  const first = encodeQueryAnswer({ step: 1000, from, to }, ids, await store.queryText(ids, 0, from, to, 901));
  console.log(`queryText, first round  ${(cpuMs() - t0).toFixed(1)} ms CPU (fills the cache)`);
  t0 = cpuMs();
  bytes = 0;
  for (let r = 0; r < rounds; r++)
    bytes += encodeQueryAnswer({ step: 1000, from, to }, ids, await store.queryText(ids, 0, from, to, 901)).length;
  ms = (cpuMs() - t0) / rounds;
  console.log(`queryText, cached       ${ms.toFixed(2)} ms CPU a round (${Math.round(bytes / rounds / 1024)} KiB)`);
  const parsed = (json: Buffer | string) => JSON.stringify(JSON.parse(json.toString()));
  const slow = JSON.stringify({
    step: 1000,
    from,
    to,
    results: await Promise.all(
      ids.map(async (id) => ({ series: id, points: await store.query(id, 0, from, to, 901) })),
    ),
  });
  if (parsed(first) !== parsed(slow)) throw new Error("queryText answered other buckets than query");
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
