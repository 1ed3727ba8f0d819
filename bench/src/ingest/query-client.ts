/**
 * The query client of `ingest-query`, run as its own process pinned to the load CPUs
 * (`query-client-process.ts`). In rounds, asks for each series' last
 * `windowMs` of 1 s rollups, one request after the other on one keep-alive connection (as a
 * dashboard back-filling its panels); after `warmupS`, records each request's latency and each
 * round's (the sum of its requests': the server's and the wire's time, not this client's parsing).
 * After each such round it asks for the same window of every series in one request
 * (`roundQuery`: dashwire's `POST /api/v1/query`, InfluxDB's `GROUP BY time(1s),host`) and
 * records that request's latency too.
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
  /** One request for all the series (`roundQuery`). */
  perOneRequest: LatencySummary;
  /** Mean buckets per series in the answers to `roundQuery`. */
  oneRequestBucketsAvg: number;
  rounds: number;
  /** Mean buckets per answer (a full 15-minute window at 1 s has 900). */
  bucketsAvg: number;
  /** Answers that were not 200 or not a query answer. */
  errors: number;
  errorSamples: string[];
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function get(url: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const options =
      body === undefined
        ? { agent }
        : {
            agent,
            method: "POST",
            headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
          };
    const req = request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Asks `url` (a POST of `body` when given); resolves with the latency (µs) and the buckets answered (undefined: an error, recorded). */
async function ask(
  url: string,
  body: string | undefined,
  bucketsIn: (answer: string) => number,
  errors: { count: number; samples: string[] },
): Promise<{ us: number; buckets: number | undefined }> {
  const t0 = performance.now();
  const answer = await get(url, body);
  const us = (performance.now() - t0) * 1000;
  try {
    if (answer.status !== 200) throw new Error(`status ${answer.status}: ${answer.body.slice(0, 120)}`);
    return { us, buckets: bucketsIn(answer.body) };
  } catch (error) {
    errors.count++;
    if (errors.samples.length < 5) errors.samples.push(error instanceof Error ? error.message : String(error));
    return { us, buckets: undefined };
  }
}

/** Runs the plan; resolves with the figures. */
export async function runQueryClient(plan: QueryClientPlan): Promise<QueryClientResult> {
  const target = INGEST_TARGETS[plan.target];
  const perQuery = createLatencyHistogram();
  const perRound = createLatencyHistogram();
  const perOne = createLatencyHistogram();
  let oneBuckets = 0;
  let oneAnswers = 0;
  const errors = { count: 0, samples: [] as string[] };
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
      const { us, buckets: n } = await ask(url, undefined, target.bucketsIn, errors);
      roundUs += us;
      if (measuring) recordLatency(perQuery, us);
      if (measuring && n !== undefined) {
        buckets += n;
        answers++;
      }
    }
    const now = Date.now();
    const one = target.roundQuery(plan.series, now - plan.windowMs, now);
    const { us: oneUs, buckets: n } = await ask(plan.baseUrl + one.path, one.body, target.bucketsInRound, errors);
    if (measuring && n !== undefined) {
      oneBuckets += n;
      oneAnswers++;
    }
    if (measuring) {
      recordLatency(perRound, roundUs);
      recordLatency(perOne, oneUs);
      rounds++;
    }
  }
  agent.destroy();
  return {
    perQuery: summarizeLatency(perQuery),
    perRound: summarizeLatency(perRound),
    perOneRequest: summarizeLatency(perOne),
    oneRequestBucketsAvg: oneAnswers ? Math.round((oneBuckets / oneAnswers / plan.series) * 10) / 10 : 0,
    rounds,
    bucketsAvg: answers ? Math.round((buckets / answers) * 10) / 10 : 0,
    errors: errors.count,
    errorSamples: errors.samples,
  };
}
