import { RedisBroker } from "@dashwire/broker-redis";
import { brokerContract } from "@dashwire/server/testing";

const url = process.env.DASHWIRE_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
// A fresh prefix per run: runs never see each other's topics; keys expire after a minute.
const prefix = `dwtest:${process.pid}:${Date.now()}:`;

brokerContract("redis", {
  create: () => new RedisBroker({ connection: url, prefix, topicTtlMs: 60_000 }),
  multiNode: true,
});

brokerContract("redis (classic pub/sub)", {
  create: () => new RedisBroker({ connection: url, prefix: `${prefix}classic:`, topicTtlMs: 60_000, sharded: false }),
  multiNode: true,
});
