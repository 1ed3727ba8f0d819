/** Builds the node's broker from the `--broker` setting. */
import { NatsBroker } from "@dashwire/broker-nats";
import { RedisBroker } from "@dashwire/broker-redis";
import { type Broker, MemoryBroker } from "@dashwire/server";
import { ClusterBroker } from "@dashwire/server/cluster";

/**
 * `memory` (one process), `cluster` (a worker of `dashwire start --workers N`: the primary is the
 * broker), `redis://…` / `rediss://…` (RedisBroker) or `nats://…` (NatsBroker). An optional
 * `prefix` query parameter sets the key/subject prefix, so several apps can share one server.
 */
export function brokerFromUrl(url: string): Broker {
  if (url === "memory") return new MemoryBroker();
  if (url === "cluster") return new ClusterBroker();
  const parsed = new URL(url);
  const prefix = parsed.searchParams.get("prefix") ?? undefined;
  parsed.searchParams.delete("prefix");
  const connection = parsed.toString();
  if (parsed.protocol === "redis:" || parsed.protocol === "rediss:")
    return new RedisBroker(prefix === undefined ? { connection } : { connection, prefix });
  if (parsed.protocol === "nats:")
    return new NatsBroker(prefix === undefined ? { connection } : { connection, prefix });
  throw new RangeError(`broker must be memory, redis://… or nats://…, got ${url}`);
}
