/**
 * InfluxDB 1.6 (Debian's `influxdb`) as a storage peer: a private `influxd` with a config the
 * harness writes (temp meta/data/WAL folders, free ports; never the system service), a database
 * made with `CREATE DATABASE`, writes to `/write?precision=ms`, counts with `SELECT count(...)`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, startServer } from "../targets/server-process.js";
import { findExecutable } from "../util/executable.js";
import type { IngestTarget, RunningStore, StoreStartOptions } from "./ingest-target.js";
import { FIELD, hostTag, type IngestWorkload, MEASUREMENT } from "./ingest-workload.js";

/** Database the scenarios write to. */
const DATABASE = "bench";

/**
 * The config: defaults, except what makes it a private, quiet process. `wal-fsync-delay = "0s"`
 * is the default and is written out because the durability column rests on it: every write is
 * fsynced to the WAL before the 204. The access log and the `_internal` monitor database are off
 * (work beside the measured load; dashwire runs with `--log-level warn` likewise).
 */
export function influxConfig(dataDir: string, httpPort: number, rpcPort: number, host: string): string {
  return `reporting-disabled = true
bind-address = "${host}:${rpcPort}"

[meta]
  dir = "${join(dataDir, "meta")}"

[data]
  dir = "${join(dataDir, "data")}"
  wal-dir = "${join(dataDir, "wal")}"
  wal-fsync-delay = "0s"
  query-log-enabled = false

[monitor]
  store-enabled = false

[continuous_queries]
  enabled = false

[http]
  bind-address = "${host}:${httpPort}"
  log-enabled = false

[logging]
  level = "warn"
  suppress-logo = true
`;
}

/** One InfluxQL answer (`/query`). */
interface InfluxAnswer {
  results?: {
    error?: string;
    series?: { tags?: Record<string, string>; values?: unknown[][] }[];
  }[];
  error?: string;
}

async function influxQuery(baseUrl: string, q: string, method: "GET" | "POST" = "GET"): Promise<InfluxAnswer> {
  const params = new URLSearchParams({ db: DATABASE, epoch: "ms", q });
  const res =
    method === "GET"
      ? await fetch(`${baseUrl}/query?${params}`)
      : await fetch(`${baseUrl}/query`, { method: "POST", body: params });
  const answer = parseAnswer(await res.text());
  if (res.status !== 200) throw new Error(`InfluxDB answered ${res.status}: ${JSON.stringify(answer).slice(0, 200)}`);
  return answer;
}

function parseAnswer(body: string): InfluxAnswer {
  const answer = JSON.parse(body) as InfluxAnswer;
  const error = answer.error ?? answer.results?.find((r) => r.error)?.error;
  if (error !== undefined) throw new Error(`InfluxDB: ${error}`);
  return answer;
}

async function start(o: StoreStartOptions): Promise<RunningStore> {
  const influxd = findExecutable("influxd");
  if (influxd === undefined) throw new Error("influxd not installed");
  const port = o.port || (await freePort(o.host));
  const config = join(o.dataDir, "influxdb.conf");
  mkdirSync(o.dataDir, { recursive: true });
  writeFileSync(config, influxConfig(o.dataDir, port, await freePort(o.host), o.host));
  const server = await startServer(
    { name: "influxdb", command: () => ({ cmd: influxd, args: ["-config", config] }) },
    { cpus: o.cpus, host: o.host, port },
  );
  const baseUrl = `http://${server.host}:${server.port}`;
  try {
    // Idempotent: after a restart the database is already there.
    await influxQuery(baseUrl, `CREATE DATABASE ${DATABASE}`, "POST");
  } catch (error) {
    await server.stop();
    throw error;
  }
  const ping = await fetch(`${baseUrl}/ping`);
  return { ...server, baseUrl, self: `X-Influxdb-Version: ${ping.headers.get("x-influxdb-version") ?? "?"}` };
}

/** The InfluxDB storage target. */
export const influxdbStore: IngestTarget = {
  name: "influxdb",
  label: "InfluxDB 1.6 (Debian influxdb, WAL + TSM)",
  durability: () => ({
    onAck: "yes",
    how: 'WAL fsynced before the 204 (wal-fsync-delay = "0s", written in its config)',
  }),
  writePath: `/write?db=${DATABASE}&precision=ms`,
  unavailable: () =>
    findExecutable("influxd")
      ? undefined
      : "influxd not installed (apt-get install influxdb; bench/peers/install.sh --ingest)",
  start,
  async countPoints(baseUrl: string, w: IngestWorkload, fromMs: number): Promise<number[]> {
    const answer = await influxQuery(
      baseUrl,
      `SELECT count(${FIELD}) FROM ${MEASUREMENT} WHERE time >= ${fromMs}ms GROUP BY host`,
    );
    const byHost = new Map<string, number>();
    for (const s of answer.results?.[0]?.series ?? []) {
      byHost.set(s.tags?.host ?? "", Number(s.values?.[0]?.[1] ?? 0));
    }
    return Array.from({ length: w.series }, (_, i) => byHost.get(hostTag(i)) ?? 0);
  },
  rollupQueryPath(i, fromMs, toMs) {
    const q =
      `SELECT count(${FIELD}),sum(${FIELD}),min(${FIELD}),max(${FIELD}),last(${FIELD}) FROM ${MEASUREMENT} ` +
      `WHERE host='${hostTag(i)}' AND time >= ${fromMs}ms AND time < ${toMs}ms GROUP BY time(1s) fill(none)`;
    return `/query?${new URLSearchParams({ db: DATABASE, epoch: "ms", q })}`;
  },
  bucketsIn: (body) => parseAnswer(body).results?.[0]?.series?.[0]?.values?.length ?? 0,
  roundQuery(series, fromMs, toMs) {
    const hosts = Array.from({ length: series }, (_, i) => `host='${hostTag(i)}'`).join(" OR ");
    const q =
      `SELECT count(${FIELD}),sum(${FIELD}),min(${FIELD}),max(${FIELD}),last(${FIELD}) FROM ${MEASUREMENT} ` +
      `WHERE (${hosts}) AND time >= ${fromMs}ms AND time < ${toMs}ms GROUP BY time(1s),host fill(none)`;
    return { path: `/query?${new URLSearchParams({ db: DATABASE, epoch: "ms", q })}` };
  },
  bucketsInRound: (body) =>
    (parseAnswer(body).results?.[0]?.series ?? []).reduce((sum, s) => sum + (s.values?.length ?? 0), 0),
};
