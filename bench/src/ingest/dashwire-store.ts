/**
 * dashwire as a storage target: the dashboard app as users run it (`dashwire start --workers 1
 * --no-demo`, its default store), written to through `POST /api/v1/metrics` and counted through
 * `POST /api/v1/query` (HTTP only, so the scenario does not depend on how the store works inside).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startServer } from "../targets/server-process.js";
import type { Durability, IngestTarget, RunningStore, StoreStartOptions } from "./ingest-target.js";
import { dashwireSeriesId, type IngestWorkload } from "./ingest-workload.js";

const DASHBOARD = fileURLToPath(new URL("../../../apps/dashboard/", import.meta.url));
const BIN = `${DASHBOARD}bin/dashwire.js`;
const BUILT = `${DASHBOARD}dist/cli/main.js`;

/** Why this checkout's dashwire cannot run (not built), or undefined. */
export function dashwireUnbuilt(): string | undefined {
  return existsSync(BUILT) ? undefined : `dashwire is not built (${BUILT}): npm run build`;
}

/** One answer of `GET /api/v1/query`: buckets `[t, count, sum, min, max, last]`. */
interface QueryAnswer {
  points: number[][];
}

function parseQuery(body: string): QueryAnswer {
  const answer = JSON.parse(body) as Partial<QueryAnswer>;
  if (!Array.isArray(answer.points)) throw new Error(`not a query answer: ${body.slice(0, 200)}`);
  return answer as QueryAnswer;
}

/** Series a count asks for in one request (the most `POST /api/v1/query` takes). */
const COUNT_SERIES_PER_REQUEST = 200;

/** What a 2xx means for each store dashwire has had, as its docs/dashboard.md says. */
export const DASHWIRE_DURABILITY: Record<"memory" | "sqlite", Durability> = {
  memory: {
    onAck: "no",
    how: "memory store: points live in the process only and are gone after any restart (docs/dashboard.md, Rollups)",
  },
  sqlite: {
    onAck: "yes",
    how:
      "SQLite store, `--sync full` (its default, passed explicitly): each request is one transaction, answered " +
      "after its commit, the WAL fsynced at every commit (synchronous=FULL; docs/dashboard.md, Storage and durability)",
  },
};

/** Which store a dashwire build runs, from its own `start --help`: `--sync` came with the SQLite store. */
export function storeKindOf(startHelp: string): "memory" | "sqlite" {
  return /^\s*--sync <mode>/m.test(startHelp) ? "sqlite" : "memory";
}

let kind: "memory" | "sqlite" | undefined;

/** The store of the dashwire in this checkout (asked once). */
function dashwireStoreKind(): "memory" | "sqlite" {
  kind ??= storeKindOf(spawnSync(process.execPath, [BIN, "start", "--help"], { encoding: "utf8" }).stdout ?? "");
  return kind;
}

/** Starts `dashwire start` as the bench runs it, with `storeArgs` choosing its store. */
export async function startDashwire(o: StoreStartOptions, storeArgs: readonly string[]): Promise<RunningStore> {
  const server = await startServer(
    {
      name: "dashwire",
      command: (port, host) => ({
        cmd: process.execPath,
        args: [
          BIN,
          "start",
          "--workers",
          "1",
          "--no-demo",
          "--port",
          String(port),
          "--host",
          host,
          "--data-dir",
          o.dataDir,
          "--log-level",
          "warn",
          ...storeArgs,
        ],
      }),
    },
    { cpus: o.cpus, host: o.host, port: o.port },
  );
  const baseUrl = `http://${server.host}:${server.port}`;
  let self = "";
  try {
    self = await (await fetch(`${baseUrl}/api/v1/config`)).text();
  } catch (error) {
    self = `GET /api/v1/config failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  return { ...server, baseUrl, self };
}

/** The dashwire storage target. */
export const dashwireStore: IngestTarget = {
  name: "dashwire",
  label: "dashwire (--workers 1)",
  durability: () => DASHWIRE_DURABILITY[dashwireStoreKind()],
  writePath: "/api/v1/metrics?precision=ms",
  unavailable: dashwireUnbuilt,
  // Durability on, as by default, and said so in the command.
  start: (o) => startDashwire(o, dashwireStoreKind() === "sqlite" ? ["--sync", "full"] : []),
  async countPoints(baseUrl: string, w: IngestWorkload, fromMs: number): Promise<number[]> {
    const counts: number[] = [];
    const to = Date.now();
    // The query serves whole buckets from the first one starting at or after `from`: start at
    // a minute boundary (the coarsest ring's) so the first points are not cut off. One request
    // for up to 200 series (`POST /api/v1/query`), as InfluxDB's count is one `GROUP BY host`.
    const from = Math.floor(fromMs / 60_000) * 60_000;
    for (let first = 0; first < w.series; first += COUNT_SERIES_PER_REQUEST) {
      const n = Math.min(COUNT_SERIES_PER_REQUEST, w.series - first);
      const series = Array.from({ length: n }, (_, k) => dashwireSeriesId(first + k));
      const res = await fetch(`${baseUrl}/api/v1/query`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ series, from, to }),
      });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`query answered ${res.status}: ${body.slice(0, 200)}`);
      const answer = JSON.parse(body) as { from?: number; results?: QueryAnswer[] };
      if (!Array.isArray(answer.results)) throw new Error(`not a query answer: ${body.slice(0, 200)}`);
      // A window clamped for the answer's bound would count short: say so instead.
      if (answer.from !== undefined && answer.from > from)
        throw new Error(`query served from ${answer.from}, after the ${from} asked: count it in smaller requests`);
      for (const r of answer.results) counts.push(r.points.reduce((sum, bucket) => sum + (bucket[1] ?? 0), 0));
    }
    return counts;
  },
  rollupQueryPath: (i, fromMs, toMs) =>
    `/api/v1/query?series=${encodeURIComponent(dashwireSeriesId(i))}&from=${fromMs}&to=${toMs}&step=1000`,
  bucketsIn: (body) => parseQuery(body).points.length,
  roundQuery: (series, fromMs, toMs) => ({
    path: "/api/v1/query",
    body: JSON.stringify({
      series: Array.from({ length: series }, (_, i) => dashwireSeriesId(i)),
      from: fromMs,
      to: toMs,
      step: 1000,
    }),
  }),
  bucketsInRound(body) {
    const answer = JSON.parse(body) as { results?: Array<{ points?: unknown[] }> };
    if (!Array.isArray(answer.results)) throw new Error(`not a query answer: ${body.slice(0, 200)}`);
    return answer.results.reduce((sum, r) => sum + (r.points?.length ?? 0), 0);
  },
};
