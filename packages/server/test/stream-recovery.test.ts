import { type Client, connect, type SubscribeResult } from "@dashwire/client/node";
import { createServer, type DashwireServer } from "@dashwire/server";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { until } from "./until.js";

/**
 * docs/guarantees.md, "No silent loss" and "Resume, don't lose", checked with the real server and
 * the real client over a real socket: a stream subscriber ends with every offset exactly once in
 * order, except ranges it was told it lost (`recovered: false`). Issue 12 items 2 (a subscriber
 * that went silent for good after one resume) and 3 (a publication larger than the queue:
 * gaps for ever, never the publication).
 */

let server: DashwireServer | undefined;
let client: Client | undefined;
afterEach(async () => {
  client?.close();
  client = undefined;
  await server?.close();
  server = undefined;
});

/** A `ws` WebSocket whose reading can be paused: the slow reader (TCP backpressure on the server). */
class PausableWebSocket extends WebSocket {
  static last: PausableWebSocket | undefined;
  constructor(url: string) {
    super(url);
    PausableWebSocket.last = this;
  }
}

/** Pauses reading `ws` for `pausedMs` of every 50 ms until the returned function is called. */
function slowReader(ws: WebSocket, pausedMs: number): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const cycle = (): void => {
    if (stopped) return;
    ws.pause();
    timer = setTimeout(() => {
      ws.resume();
      timer = setTimeout(cycle, 50 - pausedMs);
    }, pausedMs);
  };
  if (pausedMs > 0) cycle();
  return () => {
    stopped = true;
    clearTimeout(timer);
    ws.resume();
  };
}

/** What one subscriber saw. */
interface Seen {
  /** Offsets handed to the handler, in order. */
  offsets: number[];
  /** Ranges `[from, to]` the client was told are lost (`recovered: false` past its position). */
  lost: [number, number][];
  gaps: number;
}

/** Subscribes to `topic` and records what arrives, and what is announced lost. */
async function watch(c: Client, topic: string): Promise<Seen> {
  const seen: Seen = { offsets: [], lost: [], gaps: 0 };
  const sub = c.subscribe(topic, (_d, pub) => seen.offsets.push(pub.offset));
  sub.on("gap", () => seen.gaps++);
  let first = true;
  sub.on("subscribed", (r: SubscribeResult) => {
    const at = seen.offsets.at(-1) ?? 0;
    // The first subscribe starts at "now": nothing before it was promised.
    if (!first && !r.recovered && r.offset > at) seen.lost.push([at + 1, r.offset]);
    first = false;
  });
  await sub.ready;
  return seen;
}

/** True when every offset in 1..n is delivered, or inside a range announced as lost. */
function settled(seen: Seen, n: number): boolean {
  const last = seen.offsets.at(-1) ?? 0;
  return last === n || seen.lost.some(([, to]) => to >= n && last <= to);
}

/** Checks the promise: strictly increasing, and every missing offset is in an announced loss. */
function checkDelivery(seen: Seen, n: number): void {
  for (let i = 1; i < seen.offsets.length; i++)
    if ((seen.offsets[i] as number) <= (seen.offsets[i - 1] as number))
      throw new Error(`offset ${seen.offsets[i]} after ${seen.offsets[i - 1]}: duplicate or out of order`);
  const got = new Set(seen.offsets);
  for (let o = 1; o <= n; o++)
    if (!got.has(o) && !seen.lost.some(([from, to]) => o >= from && o <= to))
      throw new Error(`offset ${o} neither delivered nor announced lost (lost: ${JSON.stringify(seen.lost)})`);
}

async function start(queueBytes: number, highWater: number, history: number): Promise<string> {
  server = createServer({
    logLevel: "silent",
    limits: { queueBytes, transportHighWaterBytes: highWater, recoveryPublications: 10_000 },
  });
  server.topic("feed", { history: { size: history } });
  const { port } = await server.listen(0, "127.0.0.1");
  return `ws://127.0.0.1:${port}/dashwire`;
}

describe("stream delivery under a small queue", () => {
  it("keeps delivering after a resume: a burst of 2 KB publications through a 256 KiB queue (item 2)", async () => {
    const url = await start(256 * 1024, 256 * 1024, 1000);
    client = connect(url, { reconnect: { minDelayMs: 10, maxDelayMs: 50 } });
    const seen = await watch(client, "feed");
    const payload = "x".repeat(2000);
    // One turn: far more than the queue holds, so the first gap comes at once and the replay
    // that answers it fills the queue again.
    for (let i = 0; i < 600; i++) void server?.publish("feed", { i, payload });
    await until(() => settled(seen, 600), 10_000, "every offset of the burst");
    for (let i = 0; i < 5; i++) await server?.publish("feed", { i: 600 + i });
    await until(() => settled(seen, 605), 5000, "the publications after the burst");
    checkDelivery(seen, 605);
    expect(seen.lost).toEqual([]);
    expect(seen.gaps).toBeGreaterThan(1);
  });

  it("delivers a publication larger than the whole queue alone, with no gap storm (item 3)", async () => {
    const url = await start(64 * 1024, 256 * 1024, 100);
    client = connect(url, { reconnect: { minDelayMs: 10, maxDelayMs: 50 } });
    const seen = await watch(client, "feed");
    const big = "x".repeat(200_000);
    void server?.publish("feed", "small");
    void server?.publish("feed", big);
    void server?.publish("feed", "after");
    await until(() => settled(seen, 3), 5000, "the three publications");
    checkDelivery(seen, 3);
    expect(seen.offsets).toEqual([1, 2, 3]);
    // One gap (the big one did not fit behind "small"), then one resume: not thousands.
    expect(seen.gaps).toBeLessThanOrEqual(2);
  });

  it("every offset once, in order, or announced lost: queue × payload × rate × reader speed", async () => {
    const runs = Number(process.env.DASHWIRE_PROPERTY_RUNS ?? 12);
    const tally = { runs: 0, withGaps: 0, withLoss: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          queueBytes: fc.integer({ min: 4096, max: 128 * 1024 }),
          highWater: fc.integer({ min: 1024, max: 64 * 1024 }),
          payload: fc.oneof(
            { weight: 6, arbitrary: fc.integer({ min: 10, max: 4000 }) },
            // Larger than many of the queues above: the oversize rule (item 3) must hold too.
            { weight: 1, arbitrary: fc.integer({ min: 4000, max: 160_000 }) },
          ),
          count: fc.integer({ min: 20, max: 400 }),
          burst: fc.integer({ min: 1, max: 120 }),
          burstGapMs: fc.integer({ min: 0, max: 5 }),
          // Short histories make some resumes impossible: they must say so (recovered: false).
          history: fc.oneof(fc.constant(1000), fc.integer({ min: 1, max: 200 })),
          // The reader stops reading this many ms of every 50 (0: reads all the time).
          readerPausedMs: fc.integer({ min: 0, max: 40 }),
        }),
        async (p) => {
          const url = await start(p.queueBytes, p.highWater, p.history);
          client = connect(url, {
            reconnect: { minDelayMs: 5, maxDelayMs: 20 },
            WebSocket: PausableWebSocket,
            transports: ["websocket"],
          });
          const seen = await watch(client, "feed");
          const stopReader = slowReader(PausableWebSocket.last as PausableWebSocket, p.readerPausedMs);
          try {
            const payload = "x".repeat(p.payload);
            for (let i = 0; i < p.count; i++) {
              void server?.publish("feed", payload);
              if (i % p.burst === p.burst - 1) await new Promise((r) => setTimeout(r, p.burstGapMs));
            }
          } finally {
            stopReader();
          }
          await until(() => settled(seen, p.count), 15_000, `delivery of ${JSON.stringify(p)}`);
          checkDelivery(seen, p.count);
          // With the whole burst in history, nothing may be announced lost.
          if (p.history >= p.count) expect(seen.lost).toEqual([]);
          tally.runs++;
          if (seen.gaps > 0) tally.withGaps++;
          if (seen.lost.length > 0) tally.withLoss++;
          client.close();
          client = undefined;
          await server?.close();
          server = undefined;
        },
      ),
      { numRuns: runs, endOnFailure: true },
    );
    console.log(`stream property: ${JSON.stringify(tally)}`);
    // The generators must reach the overflow path, or the property proves little.
    expect(tally.withGaps).toBeGreaterThan(0);
  }, 120_000);
});
