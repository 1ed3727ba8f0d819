import type { LoadClient } from "./load-client.js";

/** One subscriber stops reading its socket for a while, then reads again (slow consumer). */
export interface StallDisruption {
  kind: "stall";
  /** Seconds into the window when it stops reading. */
  atS: number;
  /** Seconds it reads nothing. */
  forS: number;
  /**
   * False for the baseline: the same client is set apart and counted apart, but reads normally,
   * so "the others" are the same clients in both runs.
   */
  active: boolean;
}

/** Every subscriber drops its connection at once, client side, and reconnects at once. */
export interface StormDisruption {
  kind: "storm";
  /** Seconds into the window when the sockets are killed. */
  atS: number;
  /** Reconnects in flight at once (all of them: a storm). */
  concurrency: number;
}

/** What can happen to the subscribers during the window. */
export type Disruption = StallDisruption | StormDisruption;

/** What a reconnect storm measured. */
export interface StormResult {
  /** Clients dropped. */
  clients: number;
  reconnected: number;
  failed: number;
  /** Seconds from the kill until every client that came back was connected and resubscribed. */
  recoveryS: number;
  /** Per-client time to come back, seconds: median and 99th percentile. */
  p50S: number;
  p99S: number;
  /** Wall clock (ms) of the kill. */
  atMs: number;
}

/** How a storm reconnects client `i`. */
export interface Reconnector {
  url(i: number): string;
  address(i: number): string | undefined;
  timeoutMs: number;
  /** Called when a reconnect fails. */
  failed(client: LoadClient, error: unknown): void;
}

/**
 * Kills the links of `clients` at once (no close handshake: what a network cut or a crashed
 * tab does), then reconnects them all, `concurrency` at a time, and times each one back to a
 * completed handshake (dashwire: connected and resubscribed with `since`).
 */
export async function reconnectStorm(
  clients: LoadClient[],
  indexes: number[],
  how: Reconnector,
  concurrency: number,
): Promise<StormResult> {
  const atMs = Date.now();
  const start = performance.now();
  for (const c of clients) c.close();
  const times: number[] = [];
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < clients.length) {
      const k = next++;
      const client = clients[k] as LoadClient;
      const i = indexes[k] as number;
      client.counters.reconnects++;
      try {
        await client.connect(how.url(i), how.address(i), how.timeoutMs);
        times.push((client.readyAt - start) / 1000);
      } catch (error) {
        failed++;
        client.counters.reconnectFailed++;
        how.failed(client, error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, clients.length)) }, worker));
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  return {
    clients: clients.length,
    reconnected: times.length,
    failed,
    recoveryS: times.length ? (times[times.length - 1] as number) : 0,
    p50S: at(0.5),
    p99S: at(0.99),
    atMs,
  };
}
