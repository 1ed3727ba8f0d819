/** Builds the node's broker from the `--broker` setting. */
import { type Broker, MemoryBroker } from "@dashwire/server";
import { ClusterBroker } from "@dashwire/server/cluster";

/**
 * `memory` (one process), `cluster` (a worker of `dashwire start --workers N`: the primary is the
 * broker), `redis://…` / `rediss://…` (RedisBroker) or `nats://…` (NatsBroker). An optional
 * `prefix` query parameter sets the key/subject prefix, so several apps can share one server.
 *
 * The Redis and NATS packages are imported only when configured: they take a third of the
 * start's CPU, and ioredis (its `class VerbatimString extends String`) turns `String.prototype`
 * into a dictionary-mode object in V8 11, which makes every string method call of the process
 * (the line-protocol parser's among them) 2-3× slower.
 */
export async function brokerFromUrl(url: string): Promise<Broker> {
  if (url === "memory") return new MemoryBroker();
  if (url === "cluster") return new ClusterBroker();
  const parsed = new URL(url);
  const prefix = parsed.searchParams.get("prefix") ?? undefined;
  parsed.searchParams.delete("prefix");
  const connection = parsed.toString();
  if (parsed.protocol === "redis:" || parsed.protocol === "rediss:") {
    const { RedisBroker } = await import("@dashwire/broker-redis");
    return new RedisBroker(prefix === undefined ? { connection } : { connection, prefix });
  }
  if (parsed.protocol === "nats:") {
    const { NatsBroker } = await import("@dashwire/broker-nats");
    return new NatsBroker(prefix === undefined ? { connection } : { connection, prefix });
  }
  throw new RangeError(`broker must be memory, redis://… or nats://…, got ${url}`);
}
