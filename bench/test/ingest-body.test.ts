import { createServer, type Server } from "node:http";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { hostTag, type IngestWorkload, nextBase } from "../src/ingest/ingest-workload.js";
import { runWrk } from "../src/ingest/wrk-run.js";
import { ingestTools } from "./ingest-tools.js";

// The body generator is bench/wrk/ingest.lua run by the real wrk: a server here keeps every body.
const LINE = /^bench_cpu,host=(host-\d{3}),region=eu-west usage=(\d+\.\d) (\d+)$/;

interface Capture {
  url: string;
  bodies: string[];
  server: Server;
}

/** An HTTP server that keeps every POST body and answers 204, or `status(n)` for body n. */
async function capture(status: (n: number) => number = () => 204): Promise<Capture> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      bodies.push(body);
      res.writeHead(status(bodies.length)).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, bodies, server };
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

let missing: string | undefined;
beforeAll(() => {
  missing = ingestTools().wrk;
}, 300_000);

/** Every (series, timestamp) of the bodies, checked line by line. */
function pointsOf(bodies: string[], w: IngestWorkload): { keys: string[]; perBody: Map<string, number>[] } {
  const keys: string[] = [];
  const perBody = bodies.map((body) => {
    const lines = body.trimEnd().split("\n");
    expect(lines).toHaveLength(w.lines);
    const perSeries = new Map<string, number>();
    for (const line of lines) {
      const m = LINE.exec(line);
      expect(m, line).not.toBeNull();
      const [, host, , ts] = m as RegExpExecArray;
      keys.push(`${host} ${ts}`);
      perSeries.set(host as string, (perSeries.get(host as string) ?? 0) + 1);
    }
    return perSeries;
  });
  return { keys, perBody };
}

describe("the line-protocol body generator (wrk + ingest.lua)", () => {
  it("sends exactly `limit` bodies of `lines` points, every series alike, every point new, from `base` on", async (ctx) => {
    if (missing) return ctx.skip();
    const c = await capture();
    servers.push(c.server);
    const w: IngestWorkload = { lines: 500, series: 10, strideMs: 7 };
    const base = 1_700_000_000_000;
    const r = await runWrk({
      url: c.url,
      path: "/write?precision=ms",
      workload: w,
      base,
      limit: 6,
      threads: 1,
      connections: 1,
      durationS: 30,
      cpus: "",
    });
    expect(c.bodies).toHaveLength(6);
    expect(r).toMatchObject({ requests: 6, sent: 6, ok: 6, statuses: {}, lastBlock: 5, ahead: 0 });
    // wrk ended on the last answer (SIGINT), not after its 30 s.
    expect(r.durationS).toBeLessThan(15);
    const { keys, perBody } = pointsOf(c.bodies, w);
    expect(new Set(keys).size).toBe(6 * 500);
    for (const m of perBody) {
      expect([...m.keys()].sort()).toEqual(Array.from({ length: 10 }, (_, i) => hostTag(i)));
      expect(new Set(m.values())).toEqual(new Set([50]));
    }
    // The timestamps are base, base + stride, ... without a hole: wrk's own check call used no body.
    const times = [...new Set(keys.map((k) => Number(k.split(" ")[1])))].sort((a, b) => a - b);
    expect(times[0]).toBe(base);
    expect(times).toHaveLength(6 * 50);
    expect(times.at(-1)).toBe(nextBase(base, r.lastBlock, w) - w.strideMs);
    expect(times.every((t, i) => t === base + i * w.strideMs)).toBe(true);
  }, 60_000);

  it("keeps the threads' timestamps apart and counts refused bodies by status", async (ctx) => {
    if (missing) return ctx.skip();
    const c = await capture((n) => (n % 3 === 0 ? 400 : 204));
    servers.push(c.server);
    const w: IngestWorkload = { lines: 100, series: 4, strideMs: 1 };
    const r = await runWrk({
      url: c.url,
      path: "/write",
      workload: w,
      base: 1_000,
      limit: 6,
      threads: 2,
      connections: 2,
      durationS: 30,
      cpus: "",
    });
    expect(c.bodies).toHaveLength(12);
    expect(r.ok + (r.statuses["400"] ?? 0)).toBe(12);
    expect(r.statuses["400"]).toBe(4);
    expect(r.lastBlock).toBe(11);
    const { keys } = pointsOf(c.bodies, w);
    expect(new Set(keys).size).toBe(12 * 100);
  }, 60_000);
});
