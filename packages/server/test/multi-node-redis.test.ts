import { RedisBroker } from "@dashwire/broker-redis";
import type { Client } from "@dashwire/client/node";
import { ErrorCode } from "@dashwire/protocol";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import {
  brokerOutage,
  expectAllNodesPublishInOrder,
  expectResumeOnAnotherNode,
  silentGaps,
  startNodes,
  type TestNode,
} from "./multi-node-harness.js";
import { RedisProcess } from "../../broker-redis/test/redis-process.js";
import { RawClient } from "./raw-client.js";

const sharedUrl = process.env.DASHWIRE_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
let run = 0;
const nodes: TestNode[] = [];
const raws: RawClient[] = [];
const clients: Client[] = [];
const procs: RedisProcess[] = [];

/** Three nodes on one Redis, under a prefix of their own. */
async function cluster(url: string): Promise<{ nodes: TestNode[]; prefix: string }> {
  const prefix = `dwtest:mn:${process.pid}:${Date.now()}:${run++}:`;
  const started = await startNodes(
    3,
    // Nodes reconnect at different speeds, so node 0 publishes before the others re-subscribe.
    (i) =>
      new RedisBroker({
        connection: url,
        prefix,
        topicTtlMs: 60_000,
        reconnect:
          i === 0 ? { minDelayMs: 50, maxDelayMs: 100, factor: 2 } : { minDelayMs: 300, maxDelayMs: 900, factor: 2 },
      }),
  );
  nodes.push(...started);
  return { nodes: started, prefix };
}

async function raw(node: TestNode): Promise<RawClient> {
  const c = await RawClient.connect(node.ws);
  raws.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const c of raws.splice(0)) c.close();
  for (const n of nodes.splice(0)) await n.app.close();
  for (const p of procs.splice(0)) await p.stop();
});

describe("three nodes on one Redis", () => {
  it("delivers every publication once, in order, to clients on every node; one Redis subscription per node", async () => {
    const { nodes: three, prefix } = await cluster(sharedUrl);
    await expectAllNodesPublishInOrder(three, raw, async () => {
      // Six clients, three nodes: Redis sees three subscribers on the topic's channel, not six.
      const admin = new Redis(sharedUrl);
      const [, perChannel] = (await admin.call("PUBSUB", "SHARDNUMSUB", `${prefix}{room:steady}:c`)) as [
        string,
        number,
      ];
      admin.disconnect();
      expect(Number(perChannel)).toBe(3);
    });
  });

  it("lets a client whose node died resume on another node with nothing lost", async () => {
    const { nodes: three } = await cluster(sharedUrl);
    await expectResumeOnAnotherNode(three, raw);
  });
});

/** Kills a private Redis for 5 s while node 0 publishes, then restarts it (see `brokerOutage`). */
async function redisOutage(persistent: boolean) {
  const proc = await RedisProcess.start({ persistent });
  procs.push(proc);
  const { nodes: three } = await cluster(proc.url);
  return brokerOutage(three, proc, clients, 10_000);
}

describe("Redis outage during steady publishing", () => {
  it("without persistence: degraded then ok, publishes fail fast with 5001, clients resync with recovered: false", async () => {
    const { watchers, failures, slowest, degraded, head } = await redisOutage(false);
    expect(degraded.body).toMatchObject({ status: "degraded", broker: { name: "redis", ok: false } });
    expect(failures.length).toBeGreaterThan(0);
    for (const err of failures) expect(err).toMatchObject({ code: ErrorCode.BrokerUnavailable });
    expect(slowest).toBeLessThan(2000);
    for (const { log } of watchers) {
      const { violations, epoch } = silentGaps(log);
      expect(violations).toEqual([]);
      // Redis lost the topic: a new epoch, announced to every client as not recovered.
      expect(epoch).toBe(head.epoch);
      expect(log.some((e) => e.kind === "subscribed" && !e.recovered && e.epoch === head.epoch)).toBe(true);
      expect(log.filter((e) => e.kind === "msg" && e.epoch === head.epoch).length).toBeGreaterThan(10);
    }
  });

  it("with persistence: clients resume with recovered: true and see every offset exactly once", async () => {
    const { watchers, failures, head } = await redisOutage(true);
    expect(failures.length).toBeGreaterThan(0);
    for (const { log } of watchers) {
      expect(silentGaps(log).violations).toEqual([]);
      const confirmations = log.filter((e) => e.kind === "subscribed");
      // The first subscribe, then at least one resume after the outage — all recovered.
      expect(confirmations.length).toBeGreaterThanOrEqual(2);
      expect(confirmations.slice(1).every((e) => e.recovered)).toBe(true);
      const offsets = log.flatMap((e) => (e.kind === "msg" ? [e.offset] : []));
      expect(offsets).toEqual(Array.from({ length: head.offset }, (_, i) => i + 1));
    }
  });
});
