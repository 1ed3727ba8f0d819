import { RedisBroker } from "@dashwire/broker-redis";
import { topicKeys } from "../src/redis-keys.js";
import { brokerContract } from "@dashwire/server/testing";
import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisClusterProcess } from "./redis-cluster-process.js";

let cluster: RedisClusterProcess | undefined;
const prefix = `dwtest:cluster:${process.pid}:`;

beforeAll(async () => {
  cluster = await RedisClusterProcess.start();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

const create = () =>
  new RedisBroker({ connection: { cluster: (cluster as RedisClusterProcess).nodes }, prefix, topicTtlMs: 60_000 });

brokerContract("redis cluster (3 masters, sharded pub/sub)", { create, multiNode: true });

describe("redis cluster", () => {
  it("spreads topics over the masters, every key of a topic in one slot", async () => {
    const admin = new Cluster((cluster as RedisClusterProcess).nodes);
    try {
      const slots = new Set<number>();
      const owners = new Set<string>();
      const table = await admin.cluster("SLOTS");
      for (let i = 0; i < 30; i++) {
        const keys = topicKeys(prefix, `spread:${i}`);
        const slot = Number(await admin.cluster("KEYSLOT", keys.meta));
        for (const key of Object.values(keys)) expect(Number(await admin.cluster("KEYSLOT", key))).toBe(slot);
        slots.add(slot);
        const range = table.find(([from, to]) => slot >= from && slot <= to);
        owners.add(String(range?.[2]?.[1]));
      }
      expect(slots.size).toBeGreaterThan(20);
      expect(owners.size).toBe(3);
    } finally {
      admin.disconnect();
    }
  });
});
