/**
 * Publish throughput through the Redis broker: node A publishes, node B (subscribed) counts
 * deliveries. Run: `npx tsx --conditions=source packages/broker-redis/bench/publish-throughput.ts [count]`
 * (REDIS_URL overrides redis://127.0.0.1:6379). Prints one line per scenario.
 */
import { publishThroughput } from "@dashwire/server/testing";
import { RedisBroker } from "../src/index.js";

const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const count = Number(process.argv[2] ?? 20_000);
const prefix = `dwbench:${process.pid}:`;
await publishThroughput(
  `redis broker, ${url}`,
  new RedisBroker({ connection: url, prefix, topicTtlMs: 60_000 }),
  new RedisBroker({ connection: url, prefix, topicTtlMs: 60_000 }),
  count,
);
