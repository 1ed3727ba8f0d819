import type { Client, Subscription, SubscribeResult } from "@dashwire/client/node";
import { type Broker, createServer, type DashwireServer } from "@dashwire/server";
import { until as waitUntil } from "./until.js";

/** One dashwire node of a multi-node test. */
export interface TestNode {
  app: DashwireServer;
  /** WebSocket endpoint. */
  ws: string;
  /** HTTP base (health, metrics). */
  http: string;
}

/** Topic options every node of a test uses. */
export const roomOptions = {
  clientPublish: true,
  history: { size: 5000, ttlMs: 60_000 },
  latest: { maxKeys: 100 },
};

/** Starts `count` nodes on loopback (port 0), each with its own broker from `makeBroker(index)`. */
export async function startNodes(count: number, makeBroker: (index: number) => Broker): Promise<TestNode[]> {
  const nodes: TestNode[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const app = createServer({ logLevel: "silent", broker: makeBroker(i) });
      app.topic("room:*", roomOptions);
      const { port } = await app.listen(0, "127.0.0.1").catch(async (err: unknown) => {
        await app.close();
        throw err;
      });
      nodes.push({ app, ws: `ws://127.0.0.1:${port}/dashwire`, http: `http://127.0.0.1:${port}` });
    }
  } catch (err) {
    // Leave nothing running (or recreating broker state) behind a failed start.
    for (const node of nodes) await node.app.close();
    throw err;
  }
  return nodes;
}

/** GET /healthz: HTTP status and body. */
export async function health(node: TestNode): Promise<{ status: number; body: { status: string } }> {
  const res = await fetch(`${node.http}/healthz`);
  return { status: res.status, body: (await res.json()) as { status: string } };
}

/** Polls until `check` holds; multi-node tests wait up to 10 s by default. */
export const until = (check: () => boolean | Promise<boolean>, timeoutMs = 10_000) => waitUntil(check, timeoutMs);

/** What one client saw on one subscription, in order: confirmations and publications. */
export type SeenEvent =
  | { kind: "subscribed"; epoch: string; offset: number; recovered: boolean }
  | { kind: "msg"; epoch: string; offset: number };

/** Subscribes `client` to `topic` and logs everything the application sees. */
export function watch(client: Client, topic: string): { sub: Subscription; log: SeenEvent[] } {
  const log: SeenEvent[] = [];
  const sub = client.subscribe(topic, (_data, pub) => {
    log.push({ kind: "msg", epoch: pub.epoch, offset: pub.offset });
  });
  sub.on("subscribed", (r: SubscribeResult) => {
    log.push({ kind: "subscribed", epoch: r.epoch, offset: r.offset, recovered: r.recovered });
  });
  return { sub, log };
}

/**
 * Checks the promise of decision 4: every publication follows the one before it (same epoch,
 * offset + 1), except right after a confirmation that said `recovered: false`. Returns the
 * violations (empty when none) and the last position.
 */
export function silentGaps(log: SeenEvent[]): { violations: string[]; epoch: string; offset: number } {
  const violations: string[] = [];
  let epoch = "";
  let offset = 0;
  for (const e of log) {
    if (e.kind === "subscribed") {
      if (!e.recovered || epoch === "") {
        epoch = e.epoch;
        offset = e.offset;
      } else if (e.epoch !== epoch) violations.push(`recovered into another epoch ${e.epoch} (was ${epoch})`);
      continue;
    }
    if (e.epoch !== epoch || e.offset !== offset + 1)
      violations.push(`after ${epoch}:${offset} came ${e.epoch}:${e.offset} without recovered: false`);
    epoch = e.epoch;
    offset = e.offset;
  }
  return { violations, epoch, offset };
}
