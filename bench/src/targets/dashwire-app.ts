import { msgpackCodec } from "@dashwire/protocol/msgpack";
import { type Broker, createServer, type DashwireServer } from "@dashwire/server";
import { DASHBOARD_TOPIC } from "../load/protocols/index.js";

/** The topic with a history ring: slow-consumer and reconnect-storm runs resume on it. */
export const HISTORY_TOPIC = `${DASHBOARD_TOPIC}-history`;

/** Options of the dashwire benchmark target. */
export interface DashwireTargetOptions {
  /** Publications kept in `HISTORY_TOPIC`'s ring. */
  historySize: number;
  /** Redis URL: run as one node of several over `@dashwire/broker-redis` (empty: in-memory). */
  redisUrl: string;
  /** Key and channel prefix in Redis, unique per run. */
  redisPrefix: string;
  /** "msgpack": the server also speaks MessagePack (`?codec=msgpack`); "json": JSON only (issue 19). */
  codec: "json" | "msgpack";
}

/** A Redis broker for `o`, loaded only when asked for: ioredis alone adds ~8 MB of RSS. */
export async function redisBrokerFor(o: DashwireTargetOptions): Promise<Broker | undefined> {
  if (!o.redisUrl) return undefined;
  const { RedisBroker } = await import("@dashwire/broker-redis");
  return new RedisBroker({ connection: o.redisUrl, prefix: o.redisPrefix, topicTtlMs: 10 * 60_000 });
}

/** Defaults of `DashwireTargetOptions`. */
export const dashwireTargetDefaults: DashwireTargetOptions = {
  historySize: 10_000,
  redisUrl: "",
  redisPrefix: "dashwire-bench:",
  codec: "json",
};

/** Reads the options from the environment the harness starts the target with. */
export function dashwireTargetOptionsFromEnv(env: NodeJS.ProcessEnv): DashwireTargetOptions {
  return {
    historySize: Number(env.DASHWIRE_BENCH_HISTORY) || dashwireTargetDefaults.historySize,
    redisUrl: env.DASHWIRE_BENCH_REDIS ?? dashwireTargetDefaults.redisUrl,
    redisPrefix: env.DASHWIRE_BENCH_PREFIX ?? dashwireTargetDefaults.redisPrefix,
    codec: env.DASHWIRE_BENCH_CODEC === "msgpack" ? "msgpack" : "json",
  };
}

/**
 * The all-to-all dashboard on dashwire, as its docs show it: one topic that clients may publish
 * to, no history (the peers keep none either), everybody subscribes. A second topic keeps a
 * history ring for the runs that resume (it costs nothing until used). With a broker (see
 * `redisBrokerFor`) it is one node of several: publications cross nodes through Redis.
 */
export function createDashwireTarget(
  options: Partial<Omit<DashwireTargetOptions, "redisUrl" | "redisPrefix">> = {},
  broker?: Broker,
): DashwireServer {
  const o = { ...dashwireTargetDefaults, ...options };
  const app = createServer({
    logLevel: "warn",
    allowedOrigins: ["*"],
    ...(o.codec === "msgpack" ? { codecs: [msgpackCodec] } : {}),
    ...(broker ? { broker } : {}),
  });
  app.topic(DASHBOARD_TOPIC, { clientPublish: true, history: { size: 0 } });
  app.topic(HISTORY_TOPIC, { clientPublish: true, history: { size: o.historySize, ttlMs: 300_000 } });
  return app;
}
