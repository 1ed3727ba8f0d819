/**
 * Publish throughput through the NATS broker: node A publishes, node B (subscribed) counts
 * deliveries. Run: `npx tsx --conditions=source packages/broker-nats/bench/publish-throughput.ts [count]`
 * (NATS_URL overrides nats://127.0.0.1:4222; streams are deleted at the end). Prints one line per scenario.
 */
import { publishThroughput } from "@dashwire/server/testing";
import { connect } from "nats";
import { NatsBroker } from "../src/index.js";

const url = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const count = Number(process.argv[2] ?? 20_000);
const prefix = `dwbench.p${process.pid}`;
const stream = `DWBENCH_${process.pid}`;
const STORAGE = process.env.STORAGE === "memory" ? "memory" : "file";
try {
  await publishThroughput(
    `nats broker (${STORAGE} storage), ${url}`,
    new NatsBroker({ connection: url, prefix, stream, storage: STORAGE, topicTtlMs: 60_000 }),
    new NatsBroker({ connection: url, prefix, stream, storage: STORAGE, topicTtlMs: 60_000 }),
    count,
  );
} finally {
  const nc = await connect({ servers: url });
  const jsm = await nc.jetstreamManager();
  for (const name of [stream, `${stream}_LATEST`]) await jsm.streams.delete(name).catch(() => false);
  await nc.close();
}
