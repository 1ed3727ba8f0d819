import { type Client, connect, type Subscription, type SubscribeResult } from "@dashwire/client/node";
import type { HistoryResult } from "@dashwire/server";
import { type Broker, createServer, type DashwireServer } from "@dashwire/server";
import { expect } from "vitest";
import type { RawClient } from "./raw-client.js";
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

/** Publications of `topic` a raw client received, in order. */
export function msgs(c: RawClient, topic: string): Record<string, unknown>[] {
  return c.messages.filter((m) => m.t === "msg" && m.c === topic);
}

/**
 * Shared by the broker suites: two raw subscribers per node; every node publishes 100 while a
 * client publishes 30 over its socket. Every subscriber gets all 330 once, in one order (offsets
 * 1..330, one epoch), and each source's publications in the order it made them. `subscribed`
 * runs once everyone is subscribed, before the publishing.
 */
export async function expectAllNodesPublishInOrder(
  three: TestNode[],
  raw: (node: TestNode) => Promise<RawClient>,
  subscribed: () => Promise<void> = async () => {},
): Promise<void> {
  const topic = "room:steady";
  const subscribers: RawClient[] = [];
  for (const node of three)
    for (let i = 0; i < 2; i++) {
      const c = await raw(node);
      await c.request({ t: "sub", topic }, 1);
      subscribers.push(c);
    }
  await subscribed();
  const perNode = 100;
  const publisher = subscribers[2] as RawClient;
  await Promise.all([
    ...three.map(async (node, n) => {
      for (let i = 0; i < perNode; i++) await node.app.publish(topic, { n, i });
    }),
    (async () => {
      for (let i = 0; i < 30; i++) await publisher.request({ t: "pub", topic, data: { n: "client", i } }, 100 + i);
    })(),
  ]);
  const total = three.length * perNode + 30;
  await until(() => subscribers.every((c) => msgs(c, topic).length >= total));
  // Anything more (a duplicate) would arrive now.
  await new Promise((r) => setTimeout(r, 50));
  const reference = msgs(subscribers[0] as RawClient, topic);
  expect(reference.map((m) => m.o)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  expect(new Set(reference.map((m) => m.e)).size).toBe(1);
  for (const c of subscribers) expect(msgs(c, topic)).toEqual(reference);
  for (const source of [...three.keys(), "client"]) {
    const seq = reference.map((m) => m.d as { n: unknown; i: number }).filter((d) => d.n === source);
    expect(seq.map((d) => d.i)).toEqual(Array.from({ length: seq.length }, (_, i) => i));
  }
}

/**
 * Shared by the broker suites: a client whose node dies resumes on another node from its last
 * offset and gets exactly what was published meanwhile (by a third node), `recovered: true`.
 */
export async function expectResumeOnAnotherNode(
  three: TestNode[],
  raw: (node: TestNode) => Promise<RawClient>,
): Promise<void> {
  const [a, b, c] = three as [TestNode, TestNode, TestNode];
  const topic = "room:failover";
  const client = await raw(a);
  await client.request({ t: "sub", topic }, 1);
  for (let i = 0; i < 20; i++) await b.app.publish(topic, { i });
  await until(() => msgs(client, topic).length === 20);
  const last = msgs(client, topic).at(-1) as { e: string; o: number };
  await a.app.close();
  // Published while the client is between nodes.
  for (let i = 20; i < 50; i++) await c.app.publish(topic, { i });
  const moved = await raw(b);
  const ack = await moved.request({ t: "sub", topic, since: { epoch: last.e, offset: last.o } }, 1);
  expect(ack.data).toMatchObject({ epoch: last.e, offset: 50, recovered: true });
  await until(() => msgs(moved, topic).length === 30);
  expect(msgs(moved, topic).map((m) => m.o)).toEqual(Array.from({ length: 30 }, (_, i) => 21 + i));
}

/** A broker server a test can kill and restart. */
export interface KillableBroker {
  kill(): Promise<void>;
  restart(): Promise<void>;
}

/**
 * Shared by the broker suites: one client per node watches a topic while node 0
 * publishes every ~3 ms; the broker is killed, stays down 5 s (the outage, detection
 * included) and restarts. Resolves once every client caught up to the head, with what the
 * publisher (failures, slowest publish), the health check while down and the clients saw.
 */
export async function brokerOutage(
  three: TestNode[],
  broker: KillableBroker,
  /** Where the clients opened are kept (the suite closes them after each test). */
  clients: Client[],
  healthyWithinMs: number,
): Promise<{
  watchers: { log: SeenEvent[] }[];
  failures: unknown[];
  slowest: number;
  degraded: { status: number; body: { status: string } };
  head: HistoryResult;
}> {
  const topic = "room:fault";
  const watchers = three.map((node) => {
    const client = connect(node.ws, { reconnect: { minDelayMs: 20, maxDelayMs: 200 } });
    clients.push(client);
    return watch(client, topic);
  });
  await Promise.all(watchers.map((w) => w.sub.ready));
  const app = (three[0] as TestNode).app;
  let publishing = true;
  let slowest = 0;
  const failures: unknown[] = [];
  const publisher = (async () => {
    for (let i = 0; publishing; i++) {
      const t0 = Date.now();
      await app.publish(topic, { i }).catch((err: unknown) => failures.push(err));
      slowest = Math.max(slowest, Date.now() - t0);
      await new Promise((r) => setTimeout(r, 3));
    }
  })();
  // Steady publishing reaches every client before the outage.
  await until(() => watchers.every((w) => w.log.some((e) => e.kind === "msg")));
  await broker.kill();
  await until(async () => (await Promise.all(three.map(health))).every((h) => h.status === 503), 5000);
  const degraded = await health(three[1] as TestNode);
  await new Promise((r) => setTimeout(r, 5000));
  await broker.restart();
  await until(async () => (await Promise.all(three.map(health))).every((h) => h.status === 200), healthyWithinMs);
  // Publishing goes on until every client got more than 20 publications of the topic's epoch of
  // now after the recovery (however long its reconnect takes on a loaded machine).
  const marks = watchers.map((w) => w.log.length);
  await until(() =>
    watchers.every((w, i) => {
      const after = w.log.slice(marks[i]).filter((e) => e.kind === "msg");
      const epoch = after.at(-1)?.epoch;
      return after.filter((e) => e.epoch === epoch).length > 20;
    }),
  );
  publishing = false;
  await publisher;
  const head = await app.broker.history(topic, { limit: 1 });
  // Every client catches up to the head (after resuming or resyncing).
  await until(() => watchers.every((w) => silentGaps(w.log).offset === head.offset), 10_000);
  return { watchers, failures, slowest, degraded, head };
}
