/**
 * The query client of `ingest-query`, run as its own process pinned to the load CPUs
 * (`query-client-process.ts`). In rounds, asks for each series' last
 * `windowMs` of 1 s rollups, one request after the other on one keep-alive connection (as a
 * dashboard back-filling its panels); after `warmupS`, records each request's latency and each
 * round's (the sum of its requests': the server's and the wire's time, not this client's parsing).
 */
import { Agent, request } from "node:http";
import { createLatencyHistogram, type LatencySummary, recordLatency, summarizeLatency } from "../load/latency.js";
import type { IngestTargetName } from "./ingest-target.js";
import { INGEST_TARGETS } from "./ingest-targets.js";

/** What the client is asked to do. */
export interface QueryClientPlan {
  target: IngestTargetName;
  baseUrl: string;
  series: number;
  windowMs: number;
  warmupS: number;
  durationS: number;
}

/** What it measured. */
export interface QueryClientResult {
  perQuery: LatencySummary;
  perRound: LatencySummary;
  rounds: number;
  /** Mean buckets per answer (a full 15-minute window at 1 s has 900). */
  bucketsAvg: number;
  /** Answers that were not 200 or not a query answer. */
  errors: number;
  errorSamples: string[];
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** Runs the plan; resolves with the figures. */
export async function runQueryClient(plan: QueryClientPlan): Promise<QueryClientResult> {
  const target = INGEST_TARGETS[plan.target];
  const perQuery = createLatencyHistogram();
  const perRound = createLatencyHistogram();
  const errorSamples: string[] = [];
  let errors = 0;
  let buckets = 0;
  let answers = 0;
  let rounds = 0;
  const start = performance.now();
  const measureFrom = start + plan.warmupS * 1000;
  const end = measureFrom + plan.durationS * 1000;
  // At least one measured round, however slow the rounds are (but never past `end` + 2 min).
  while (performance.now() < end || (rounds === 0 && performance.now() < end + 120_000)) {
    const measuring = performance.now() >= measureFrom;
    let roundUs = 0;
    for (let i = 0; i < plan.series; i++) {
      const now = Date.now();
      const url = plan.baseUrl + target.rollupQueryPath(i, now - plan.windowMs, now);
      const t0 = performance.now();
      const { status, body } = await get(url);
      const us = (performance.now() - t0) * 1000;
      roundUs += us;
      if (measuring) recordLatency(perQuery, us);
      try {
        if (status !== 200) throw new Error(`status ${status}: ${body.slice(0, 120)}`);
        const n = target.bucketsIn(body);
        if (measuring) {
          buckets += n;
          answers++;
        }
      } catch (error) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push(error instanceof Error ? error.message : String(error));
      }
    }
    if (measuring) {
      recordLatency(perRound, roundUs);
      rounds++;
    }
  }
  agent.destroy();
  return {
    perQuery: summarizeLatency(perQuery),
    perRound: summarizeLatency(perRound),
    rounds,
    bucketsAvg: answers ? Math.round((buckets / answers) * 10) / 10 : 0,
    errors,
    errorSamples,
  };
}
