import { type BackoffOptions, backoff, ErrorCode } from "@dashwire/protocol";
import {
  type Broker,
  type BrokerSink,
  type BrokerStatus,
  DashwireError,
  type HistoryQuery,
  type HistoryResult,
  newEpoch,
  type Publication,
  type PublishInput,
} from "@dashwire/server";
import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import { decodeEntry } from "./entry-codec.js";
import { topicKeys } from "./redis-keys.js";
import { historyScript, publishScript } from "./redis-scripts.js";

/** A Redis Cluster to connect to: its seed nodes and ioredis cluster options. */
export interface RedisClusterConnection {
  cluster: ClusterNode[];
  options?: ClusterOptions;
}

/** Options of the Redis broker. */
export interface RedisBrokerOptions {
  /**
   * Where Redis is: a URL (`redis://host:6379/0`), ioredis options (a single server, or Sentinel
   * with `sentinels` and `name`), or `{ cluster: [...seed nodes] }` for Redis Cluster.
   */
  connection: string | RedisOptions | RedisClusterConnection;
  /** Prefix of every key and channel (no `{` or `}`); several apps can share one Redis. */
  prefix: string;
  /**
   * Every key of a topic expires this long after its last publication (0: never). An abandoned
   * topic thus frees its memory; when it comes back it starts a new epoch (clients resync).
   */
  topicTtlMs: number;
  /** Sharded pub/sub (SPUBLISH/SSUBSCRIBE, Redis 7+): "auto" uses it when the server has it. */
  sharded: "auto" | boolean;
  /** A Redis command without a reply for this long rejects (the publish fails, never hangs). */
  commandTimeoutMs: number;
  /** `start` waits this long for the first connection, then resolves degraded and keeps trying. */
  startTimeoutMs: number;
  /** Reconnect delays (full jitter, the same `backoff` as every dashwire retry). */
  reconnect: BackoffOptions;
}

/** Defaults of `RedisBrokerOptions`. */
export const redisBrokerDefaults: RedisBrokerOptions = {
  connection: "redis://127.0.0.1:6379",
  prefix: "dashwire:",
  topicTtlMs: 24 * 60 * 60 * 1000,
  sharded: "auto",
  commandTimeoutMs: 5000,
  startTimeoutMs: 10_000,
  reconnect: { minDelayMs: 100, maxDelayMs: 2000, factor: 2 },
};

/** First character of a `send` on a topic channel (a publication starts with its offset). */
const SEND_MARK = "\n";

/** Channels per SUBSCRIBE command when re-subscribing after a reconnect. */
const SUBSCRIBE_BATCH = 1000;

type Client = Redis | Cluster;

/**
 * The Redis broker: one Lua script per publication assigns the offset, stores history (a capped
 * stream), the latest value per key, and publishes on the topic's channel, so every node sees
 * publications in offset order. A second connection subscribes only to topics this node has
 * subscribers for. See docs/brokers.md.
 */
export class RedisBroker implements Broker {
  readonly name = "redis";
  private readonly options: RedisBrokerOptions;
  private sink: BrokerSink | undefined;
  private cmd: Client | undefined;
  private sub: Client | undefined;
  /** Subscribed channels → topic. */
  private readonly channels = new Map<string, string>();
  private cmdReady = false;
  private subReady = false;
  private sharded = false;
  private status: BrokerStatus = { ok: false, reason: "starting" };
  private lastError = "";
  /** Bumped at every link change, so a stale re-subscribe does not report ok. */
  private generation = 0;
  private closed = false;
  private onFirstOk: (() => void) | undefined;

  constructor(options: Partial<RedisBrokerOptions> = {}) {
    this.options = { ...redisBrokerDefaults, ...options };
    if (/[{}]/.test(this.options.prefix))
      throw new DashwireError(ErrorCode.InvalidField, "redis broker prefix must not contain { or }");
  }

  async start(sink: BrokerSink): Promise<void> {
    this.sink = sink;
    const { cmd, sub } = this.createClients();
    this.cmd = cmd;
    this.sub = sub;
    cmd.on("ready", () => {
      this.cmdReady = true;
      this.relink();
    });
    sub.on("ready", () => {
      this.subReady = true;
      this.relink();
    });
    for (const [client, which] of [
      [cmd, "command"],
      [sub, "subscriber"],
    ] as const) {
      client.on("error", (err: Error) => {
        this.lastError = err.message;
      });
      client.on("close", () => this.linkLost(which));
    }
    sub.on("message", this.onMessage);
    sub.on("smessage", this.onMessage);
    const first = new Promise<void>((resolve) => {
      this.onFirstOk = resolve;
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.startTimeoutMs);
    });
    await Promise.race([first, timeout]);
    clearTimeout(timer);
    this.onFirstOk = undefined;
    if (!this.status.ok) sink.onStatus(this.status);
  }

  async publish(input: PublishInput): Promise<Publication> {
    const cmd = this.cmd;
    if (cmd === undefined || this.closed) throw unavailable(this.closed ? "closed" : "not started");
    const time = Date.now();
    const keys = topicKeys(this.options.prefix, input.topic);
    const { retention } = input;
    const hasKey = input.key !== undefined;
    let reply: unknown;
    try {
      reply = await publishScript.run(cmd, [
        keys.meta,
        keys.stream,
        keys.latest,
        keys.order,
        keys.channel,
        newEpoch(),
        time,
        input.urgent ? 1 : 0,
        hasKey ? 1 : 0,
        input.key ?? "",
        hasKey ? JSON.stringify(input.key) : "",
        input.data,
        count(retention.historySize),
        count(retention.historyTtlMs),
        count(retention.latestKeys),
        this.options.topicTtlMs,
        this.sharded ? "SPUBLISH" : "PUBLISH",
      ]);
    } catch (err) {
      throw unavailable(errorText(err));
    }
    const [epoch, offset] = reply as [string, number];
    const pub: Publication = { topic: input.topic, epoch, offset, data: input.data, time };
    if (hasKey) pub.key = input.key;
    if (input.urgent) pub.urgent = true;
    return pub;
  }

  /**
   * Pub/sub alone: the topic's channel, no script and no stream. The leading newline tells it
   * from a publication (whose encoding starts with its offset).
   */
  async send(topic: string, data: string): Promise<void> {
    const cmd = this.cmd;
    if (cmd === undefined || this.closed) throw unavailable(this.closed ? "closed" : "not started");
    const channel = topicKeys(this.options.prefix, topic).channel;
    try {
      if (this.sharded) await cmd.spublish(channel, SEND_MARK + data);
      else await cmd.publish(channel, SEND_MARK + data);
    } catch (err) {
      throw unavailable(errorText(err));
    }
  }

  async subscribe(topic: string): Promise<void> {
    const channel = topicKeys(this.options.prefix, topic).channel;
    if (this.channels.get(channel) === topic) return;
    this.channels.set(channel, topic);
    // While the link is down the topic stays listed and is subscribed when it is back.
    if (!this.status.ok || this.sub === undefined) return;
    try {
      if (this.sharded) await this.sub.ssubscribe(channel);
      else await this.sub.subscribe(channel);
    } catch (err) {
      throw unavailable(errorText(err));
    }
  }

  async unsubscribe(topic: string): Promise<void> {
    const channel = topicKeys(this.options.prefix, topic).channel;
    if (!this.channels.delete(channel)) return;
    if (!this.subReady || this.sub === undefined) return;
    try {
      if (this.sharded) await this.sub.sunsubscribe(channel);
      else await this.sub.unsubscribe(channel);
    } catch {
      // The channel stays subscribed on Redis until the next reconnect; its messages are ignored.
    }
  }

  async history(topic: string, query: HistoryQuery): Promise<HistoryResult> {
    const cmd = this.cmd;
    if (cmd === undefined || this.closed) throw unavailable(this.closed ? "closed" : "not started");
    const keys = topicKeys(this.options.prefix, topic);
    const { since } = query;
    const mode =
      since !== undefined ? "s" : query.last !== undefined && query.last > 0 ? "l" : query.snapshot ? "p" : "n";
    let reply: unknown[];
    try {
      reply = (await historyScript.run(cmd, [
        keys.meta,
        keys.stream,
        keys.latest,
        keys.order,
        newEpoch(),
        Date.now(),
        mode,
        since?.epoch ?? "",
        Math.trunc(since?.offset ?? 0),
        count(query.last ?? 0),
        query.snapshot ? 1 : 0,
        Math.max(1, count(query.limit)),
        this.options.topicTtlMs,
      ])) as unknown[];
    } catch (err) {
      throw unavailable(errorText(err));
    }
    const result: HistoryResult = {
      epoch: String(reply[0]),
      offset: Number(reply[1]),
      publications: [],
      recovered: reply[2] === 1,
    };
    for (let i = 3; i < reply.length; i++) {
      const pub = decodeEntry(topic, String(reply[i]));
      if (pub !== undefined) result.publications.push(pub);
    }
    if (mode === "p" || (mode === "s" && !result.recovered)) result.publications.sort((a, b) => a.offset - b.offset);
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.generation++;
    this.channels.clear();
    this.sub?.disconnect();
    this.cmd?.disconnect();
    this.report({ ok: false, reason: "closed" });
    this.sink = undefined;
  }

  private createClients(): { cmd: Client; sub: Client } {
    const { connection, commandTimeoutMs, reconnect } = this.options;
    const common: RedisOptions = {
      // Commands while disconnected fail at once instead of queueing without bound; in-flight
      // ones fail at a disconnect instead of being re-sent (a re-sent publish could duplicate).
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      autoResubscribe: false,
      maxRetriesPerRequest: 0,
      commandTimeout: commandTimeoutMs,
      retryStrategy: (times: number) => backoff(times, reconnect),
    };
    if (typeof connection !== "string" && "cluster" in connection) {
      const cmd = new Cluster(connection.cluster, {
        ...connection.options,
        enableOfflineQueue: false,
        shardedSubscribers: this.options.sharded !== false,
        clusterRetryStrategy: (times: number) => backoff(times, reconnect),
        redisOptions: { ...connection.options?.redisOptions, ...common },
      });
      return { cmd, sub: cmd.duplicate() };
    }
    const cmd =
      typeof connection === "string" ? new Redis(connection, common) : new Redis({ ...connection, ...common });
    return { cmd, sub: cmd.duplicate() };
  }

  /** Both connections are up: pick pub/sub flavour, re-subscribe every topic, then report ok. */
  private relink(): void {
    if (!this.cmdReady || !this.subReady || this.closed) return;
    const gen = ++this.generation;
    const cmd = this.cmd as Client;
    const sub = this.sub as Client;
    (async () => {
      if (this.options.sharded === "auto") {
        const info = (await cmd.call("COMMAND", "INFO", "SPUBLISH")) as unknown[];
        this.sharded = Array.isArray(info) && info[0] !== null;
      } else this.sharded = this.options.sharded;
      const channels = [...this.channels.keys()];
      for (let i = 0; i < channels.length && gen === this.generation; i += SUBSCRIBE_BATCH) {
        const batch = channels.slice(i, i + SUBSCRIBE_BATCH);
        if (this.sharded) await sub.ssubscribe(...batch);
        else await sub.subscribe(...batch);
      }
      if (gen === this.generation) this.report({ ok: true });
    })().catch((err: unknown) => {
      if (gen !== this.generation) return;
      this.lastError = errorText(err);
      this.report({ ok: false, reason: `re-subscribe failed: ${this.lastError}` });
      // Drop the subscriber connection; its reconnect runs this again.
      (this.sub as Client).disconnect(true);
    });
  }

  private linkLost(which: "command" | "subscriber"): void {
    if (which === "command") this.cmdReady = false;
    else this.subReady = false;
    this.generation++;
    if (this.closed) return;
    const why = this.lastError === "" ? "connection closed" : this.lastError;
    this.report({ ok: false, reason: `redis ${which} connection lost: ${why}` });
  }

  /** Records the link state; tells the hub of every change (during `start`, only of success). */
  private report(status: BrokerStatus): void {
    const changed = status.ok !== this.status.ok;
    this.status = status;
    if (status.ok) {
      this.lastError = "";
      this.onFirstOk?.();
    }
    if (changed && (status.ok || this.onFirstOk === undefined)) this.sink?.onStatus(status);
  }

  private readonly onMessage = (channel: string, message: string): void => {
    // Until ok is reported the hub still counts this link as lost: a publication handed over
    // now could jump a gap (those published while we were not subscribed). Dropped ones come
    // back through the resume the hub starts at ok.
    if (!this.status.ok) return;
    const topic = this.channels.get(channel);
    if (topic === undefined) return;
    if (message.startsWith(SEND_MARK)) {
      this.sink?.onMessage(topic, message.slice(1));
      return;
    }
    const pub = decodeEntry(topic, message);
    if (pub !== undefined) this.sink?.onPublication(pub);
  };
}

/** The coded error every failed broker call rejects with (the server answers it as 5001). */
function unavailable(reason: string): DashwireError {
  return new DashwireError(ErrorCode.BrokerUnavailable, `redis broker unavailable: ${reason}`);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A non-negative integer from a retention figure. */
function count(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}
