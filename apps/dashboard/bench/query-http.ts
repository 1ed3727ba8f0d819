/**
 * Where the wall time of a many-series read over HTTP goes: `dashwire start --workers 1` (the
 * build in `apps/dashboard/dist`) on the `ingest-query` workload, asked for the last 15 minutes
 * at 1 s of every series in one `POST /api/v1/query`, `rounds` times on one keep-alive
 * connection. Prints the server's CPU a request (`/proc/<pid>/stat`), the bytes, the time to the
 * answer's first byte and from it to the last (medians), and this client's CPU to read and to
 * `JSON.parse` it.
 *
 *   npx tsx apps/dashboard/bench/query-http.ts [series=100] [rounds=30]
 *
 * `SERVER_CPUS=0` pins the server (taskset; run this one under `taskset -c 1`); CPU times are
 * the figures to compare on a shared machine. `SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"` profiles the server.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteStore } from "../src/store/sqlite-store.js";
import { queryIds, writeQueryWorkload } from "./query-workload.js";
import { procCpuMs, startServer, stopServer } from "./server-process.js";

const [series = 100, rounds = 30] = process.argv.slice(2).map(Number);

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

interface Timing {
  ttfbMs: number;
  restMs: number;
  bytes: number;
  readCpuMs: number;
  parseCpuMs: number;
}

/** One POST of `body`: its timings, and this client's CPU to read and parse the answer. */
function post(agent: Agent, base: string, body: string): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const c0 = cpuMs();
    const req = request(
      `${base}/api/v1/query`,
      { method: "POST", agent, headers: { "content-type": "application/json", "content-length": body.length } },
      (res) => {
        const ttfb = performance.now();
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const end = performance.now();
          const text = Buffer.concat(chunks).toString("utf8");
          const c1 = cpuMs();
          const answer = JSON.parse(text) as { results?: unknown[] };
          const parseCpuMs = cpuMs() - c1;
          if (res.statusCode !== 200 || answer.results?.length !== series)
            return reject(new Error(`answer ${res.statusCode}: ${text.slice(0, 200)}`));
          resolve({ ttfbMs: ttfb - t0, restMs: end - ttfb, bytes: text.length, readCpuMs: c1 - c0, parseCpuMs });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const ids = queryIds(series);
const dir = mkdtempSync(join(tmpdir(), "dashwire-query-http-"));
let child: ChildProcess | undefined;
try {
  const store = new SqliteStore({ dataDir: dir, sync: "normal" });
  await writeQueryWorkload(store, ids, Date.now());
  await store.close();
  const server = await startServer(dir);
  child = server.child;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const ask = () => {
    const to = Date.now();
    return JSON.stringify({ series: ids, from: to - 900_000, to, step: 1000 });
  };
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}; ${series} series, ${rounds} requests`,
  );
  await post(agent, server.base, ask()); // the first read fills the cell text cache
  const timings: Timing[] = [];
  const s0 = procCpuMs(child.pid as number);
  for (let r = 0; r < rounds; r++) timings.push(await post(agent, server.base, ask()));
  const serverMs = (procCpuMs(child.pid as number) - s0) / rounds;
  const m = (f: (t: Timing) => number) => median(timings.map(f)).toFixed(1);
  console.log(
    `server CPU ${serverMs.toFixed(1)} ms a request; ${Math.round(median(timings.map((t) => t.bytes)) / 1024)} KiB; ` +
      `first byte ${m((t) => t.ttfbMs)} ms, then the rest ${m((t) => t.restMs)} ms; ` +
      `client CPU: read ${m((t) => t.readCpuMs)} ms, JSON.parse ${m((t) => t.parseCpuMs)} ms`,
  );
  agent.destroy();
} finally {
  if (child !== undefined) await stopServer(child);
  rmSync(dir, { recursive: true, force: true });
}
