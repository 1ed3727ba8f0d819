import { describe, expect, it } from "vitest";
import type { Broker, BrokerStatus, Publication, TopicRetention } from "../broker/broker.js";

/** How the contract suite gets brokers: `create` returns a started-later broker on a fresh namespace. */
export interface BrokerContractOptions {
  /** A new broker; two calls must share the same backend (two nodes). */
  create(): Broker | Promise<Broker>;
  /** Extra wait after subscribe for brokers that subscribe asynchronously (ms). */
  settleMs?: number;
  /** False for brokers confined to one process (memory): skips the two-node test. */
  multiNode?: boolean;
}

const retention: TopicRetention = { historySize: 10, historyTtlMs: 0, latestKeys: 100 };

/** A broker sink that records every publication, sent message and status (for broker tests). */
export class Recorder {
  readonly pubs: Publication[] = [];
  readonly messages: { topic: string; data: string }[] = [];
  readonly statuses: BrokerStatus[] = [];
  onPublication(pub: Publication): void {
    this.pubs.push(pub);
  }
  onMessage(topic: string, data: string): void {
    this.messages.push({ topic, data });
  }
  onStatus(status: BrokerStatus): void {
    this.statuses.push(status);
  }
}

/** Waits until `check()` holds, polling; throws after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A started broker and what it delivered. */
type Node = [Broker, Recorder];

let topicSeq = 0;
const freshTopic = () => `contract:${process.pid}:${Date.now()}:${topicSeq++}`;

/**
 * The contract every Broker implementation passes (memory, Redis, NATS, cluster): offsets,
 * ordering, delivery only to subscribed nodes, history, snapshots, epochs, status, and `send`
 * (delivered to subscribed nodes, kept nowhere).
 */
export function brokerContract(name: string, options: BrokerContractOptions): void {
  const settle = () => new Promise((r) => setTimeout(r, options.settleMs ?? 0));

  async function started(): Promise<[Broker, Recorder]> {
    const broker = await options.create();
    const rec = new Recorder();
    await broker.start(rec);
    return [broker, rec];
  }

  /** Two nodes subscribed to one fresh topic, closed after `body`. */
  async function twoNodes(body: (nodes: [Node, Node], topic: string) => Promise<void>): Promise<void> {
    const nodes: [Node, Node] = [await started(), await started()];
    const topic = freshTopic();
    try {
      for (const [broker] of nodes) await broker.subscribe(topic);
      await settle();
      await body(nodes, topic);
    } finally {
      for (const [broker] of nodes) await broker.close();
    }
  }

  describe(`broker contract: ${name}`, () => {
    it("reports ok after start", async () => {
      const [broker, rec] = await started();
      try {
        expect(rec.statuses.at(-1)?.ok).toBe(true);
      } finally {
        await broker.close();
      }
    });

    it("assigns offsets one by one within an epoch and delivers in order", async () => {
      const [broker, rec] = await started();
      const topic = freshTopic();
      try {
        await broker.subscribe(topic);
        await settle();
        const results: Publication[] = [];
        for (let i = 0; i < 20; i++)
          results.push(await broker.publish({ topic, data: JSON.stringify({ i }), retention }));
        expect(results.map((p) => p.offset)).toEqual(Array.from({ length: 20 }, (_, i) => results[0]!.offset + i));
        expect(new Set(results.map((p) => p.epoch)).size).toBe(1);
        await waitFor(() => rec.pubs.length === 20);
        expect(rec.pubs.map((p) => JSON.parse(p.data).i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
        expect(rec.pubs.every((p) => p.topic === topic)).toBe(true);
      } finally {
        await broker.close();
      }
    });

    it("delivers only topics this node subscribed to, and stops after unsubscribe", async () => {
      const [broker, rec] = await started();
      const a = freshTopic();
      const b = freshTopic();
      try {
        await broker.subscribe(a);
        await settle();
        await broker.publish({ topic: b, data: "1", retention });
        await broker.publish({ topic: a, data: "2", retention });
        await waitFor(() => rec.pubs.length >= 1);
        await settle();
        expect(rec.pubs.map((p) => p.topic)).toEqual([a]);
        await broker.unsubscribe(a);
        await settle();
        await broker.publish({ topic: a, data: "3", retention });
        await new Promise((r) => setTimeout(r, 50 + (options.settleMs ?? 0)));
        expect(rec.pubs).toHaveLength(1);
      } finally {
        await broker.close();
      }
    });

    it.skipIf(options.multiNode === false)("fans out between two nodes, one copy each", async () => {
      await twoNodes(async ([[one, recOne], [two, recTwo]], topic) => {
        await one.publish({ topic, data: '"from one"', retention });
        await two.publish({ topic, data: '"from two"', retention });
        await waitFor(() => recOne.pubs.length === 2 && recTwo.pubs.length === 2);
        expect(recOne.pubs.map((p) => p.offset)).toEqual(recTwo.pubs.map((p) => p.offset));
        expect(recOne.pubs.map((p) => p.data)).toEqual(recTwo.pubs.map((p) => p.data));
      });
    });

    it("recovers what came after a position, in order, while history holds it", async () => {
      const [broker] = await started();
      const topic = freshTopic();
      try {
        const first = await broker.publish({ topic, data: "0", retention });
        for (let i = 1; i < 6; i++) await broker.publish({ topic, data: String(i), retention });
        const res = await broker.history(topic, {
          since: { epoch: first.epoch, offset: first.offset + 2 },
          limit: 100,
        });
        expect(res.recovered).toBe(true);
        expect(res.publications.map((p) => p.data)).toEqual(["3", "4", "5"]);
        expect(res.offset).toBe(first.offset + 5);
        const none = await broker.history(topic, { since: { epoch: res.epoch, offset: res.offset }, limit: 100 });
        expect(none.recovered).toBe(true);
        expect(none.publications).toEqual([]);
      } finally {
        await broker.close();
      }
    });

    it("says not recovered when history no longer covers the gap, or the epoch differs", async () => {
      const [broker] = await started();
      const topic = freshTopic();
      try {
        const first = await broker.publish({ topic, data: "0", retention });
        for (let i = 1; i < 25; i++) await broker.publish({ topic, data: String(i), retention });
        const old = await broker.history(topic, { since: { epoch: first.epoch, offset: first.offset }, limit: 100 });
        expect(old.recovered).toBe(false);
        const other = await broker.history(topic, { since: { epoch: "not-this-epoch", offset: 3 }, limit: 100 });
        expect(other.recovered).toBe(false);
        const tooMany = await broker.history(topic, {
          since: { epoch: first.epoch, offset: first.offset + 20 },
          limit: 2,
        });
        expect(tooMany.recovered).toBe(false);
      } finally {
        await broker.close();
      }
    });

    it("returns the last N and the latest value per key", async () => {
      const [broker] = await started();
      const topic = freshTopic();
      try {
        for (let i = 0; i < 9; i++) await broker.publish({ topic, data: String(i), key: `k${i % 3}`, retention });
        const last = await broker.history(topic, { last: 4, limit: 100 });
        expect(last.publications.map((p) => p.data)).toEqual(["5", "6", "7", "8"]);
        const snap = await broker.history(topic, { snapshot: true, limit: 100 });
        expect(snap.publications.map((p) => [p.key, p.data])).toEqual([
          ["k0", "6"],
          ["k1", "7"],
          ["k2", "8"],
        ]);
        const fallback = await broker.history(topic, {
          since: { epoch: "gone", offset: 1 },
          snapshot: true,
          limit: 100,
        });
        expect(fallback.recovered).toBe(false);
        expect(fallback.publications.map((p) => p.data)).toEqual(["6", "7", "8"]);
      } finally {
        await broker.close();
      }
    });

    it("send: delivers to this node when subscribed, keeps nothing, and no offset moves", async () => {
      const topic = freshTopic();
      const [broker, rec] = await started();
      try {
        await broker.send(topic, "before subscribe: not delivered");
        await broker.subscribe(topic);
        await settle();
        await broker.send(freshTopic(), "not subscribed");
        await broker.send(topic, '{"k":"hello"}');
        await broker.send(topic, "line\nbreak and ünïcode");
        await waitFor(() => rec.messages.length === 2);
        await settle();
        expect(rec.messages).toEqual([
          { topic, data: '{"k":"hello"}' },
          { topic, data: "line\nbreak and ünïcode" },
        ]);
        expect(rec.pubs).toEqual([]);
        const h = await broker.history(topic, { last: 10, snapshot: true, limit: 10 });
        expect(h.publications).toEqual([]);
        expect(h.offset).toBe(0);
        // A publication after sends gets the first offset of its epoch.
        const pub = await broker.publish({ topic, data: "1", retention });
        expect(pub.offset).toBe(1);
      } finally {
        await broker.close();
      }
    });

    it.skipIf(options.multiNode === false)("send: reaches every subscribed node, one copy each", async () => {
      await twoNodes(async ([[one, recOne], [two, recTwo]], topic) => {
        await one.send(topic, "from one");
        await two.send(topic, "from two");
        await waitFor(() => recOne.messages.length === 2 && recTwo.messages.length === 2);
        await settle();
        for (const rec of [recOne, recTwo])
          expect(rec.messages.map((m) => m.data).sort()).toEqual(["from one", "from two"]);
      });
    });

    it("reports the current position of an empty topic", async () => {
      const [broker] = await started();
      try {
        const res = await broker.history(freshTopic(), { limit: 10 });
        expect(res.offset).toBe(0);
        expect(typeof res.epoch).toBe("string");
        expect(res.publications).toEqual([]);
      } finally {
        await broker.close();
      }
    });
  });
}
