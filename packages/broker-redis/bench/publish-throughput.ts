/**
 * Publish throughput through the Redis broker: node A publishes, node B (subscribed) counts
 * deliveries. Run: `npx tsx --conditions=source packages/broker-redis/bench/publish-throughput.ts [count]`
 * (REDIS_URL overrides redis://127.0.0.1:6379). Prints one line per scenario.
 */
import os from "node:os";
import type { Broker, BrokerSink, Publication, TopicRetention } from "@dashwire/server";
import { RedisBroker } from "../src/index.js";

const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const count = Number(process.argv[2] ?? 20_000);
const prefix = `dwbench:${process.pid}:`;
const retention: TopicRetention = { historySize: 100, historyTtlMs: 60_000, latestKeys: 1000 };
const data = JSON.stringify({ series: "cpu.load", host: "node-1", value: 0.42, ts: 1_700_000_000_000 });

class Counter implements BrokerSink {
  delivered = 0;
  onPublication(_pub: Publication): void {
    this.delivered++;
  }
  onStatus(): void {}
}

async function scenario(name: string, a: Broker, b: Broker, sinkB: Counter, topics: number, inFlight: number) {
  const names = Array.from({ length: topics }, (_, i) => `bench:${name}:${i}`);
  for (const t of names) await b.subscribe(t);
  sinkB.delivered = 0;
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await a.publish({ topic: names[i % topics] as string, data, key: `k${i % 100}`, retention });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const published = performance.now() - t0;
  while (sinkB.delivered < count) await new Promise((r) => setTimeout(r, 1));
  const delivered = performance.now() - t0;
  for (const t of names) await b.unsubscribe(t);
  console.log(
    `${name.padEnd(28)} ${count} publishes: ${Math.round((count / published) * 1000)} pub/s acknowledged, ` +
      `${Math.round((count / delivered) * 1000)} msg/s delivered to the other node`,
  );
}

const a = new RedisBroker({ connection: url, prefix, topicTtlMs: 60_000 });
const b = new RedisBroker({ connection: url, prefix, topicTtlMs: 60_000 });
const sinkB = new Counter();
await a.start(new Counter());
await b.start(sinkB);
console.log(`redis broker, ${url}, node ${process.version}, ${os.cpus()[0]?.model ?? "cpu"} ×${os.cpus().length}`);
await scenario("sequential, 1 topic", a, b, sinkB, 1, 1);
await scenario("64 in flight, 1 topic", a, b, sinkB, 1, 64);
await scenario("64 in flight, 16 topics", a, b, sinkB, 16, 64);
await a.close();
await b.close();
