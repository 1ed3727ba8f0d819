import os from "node:os";
import type { Broker, BrokerSink, Publication, TopicRetention } from "../broker/broker.js";

/** Counts what a broker delivers. */
class Counter implements BrokerSink {
  delivered = 0;
  onMessage(): void {}
  onPublication(_pub: Publication): void {
    this.delivered++;
  }
  onStatus(): void {}
}

const retention: TopicRetention = { historySize: 100, historyTtlMs: 60_000, latestKeys: 1000 };
const data = JSON.stringify({ series: "cpu.load", host: "node-1", value: 0.42, ts: 1_700_000_000_000 });

/**
 * The broker micro-benchmark of the Redis and NATS packages (`packages/broker-*\/bench/`): node A
 * publishes `count` publications, node B (subscribed) counts deliveries; sequential, 64 in
 * flight on 1 topic, 64 in flight on 16 topics. Starts and closes both brokers; prints a line
 * per scenario, after `title` and the machine.
 */
export async function publishThroughput(title: string, a: Broker, b: Broker, count: number): Promise<void> {
  const sinkB = new Counter();
  await a.start(new Counter());
  await b.start(sinkB);
  console.log(`${title}, node ${process.version}, ${os.cpus()[0]?.model ?? "cpu"} ×${os.cpus().length}`);
  const scenario = async (name: string, topics: number, inFlight: number) => {
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
  };
  try {
    await scenario("sequential, 1 topic", 1, 1);
    await scenario("64 in flight, 1 topic", 1, 64);
    await scenario("64 in flight, 16 topics", 16, 64);
  } finally {
    await a.close();
    await b.close();
  }
}
