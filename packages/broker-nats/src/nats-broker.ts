import { type BackoffOptions, backoff, ErrorCode } from "@dashwire/protocol";
import {
  type Broker,
  type BrokerSink,
  type BrokerStatus,
  DashwireError,
  type HistoryQuery,
  type HistoryResult,
  type Publication,
  type PublishInput,
} from "@dashwire/server";
import { type ConnectionOptions, connect, Events, type Msg, type NatsConnection, type Subscription } from "nats";
import { decodeBatch, Hdr, numberHeader } from "./nats-entry.js";
import { type Head, isWrongLastSequence, NatsStore, type StoreLayout } from "./nats-store.js";
import { type BatcherLimits, type Flushed, PublishBatcher } from "./publish-batcher.js";

/** Options of the NATS broker. */
export interface NatsBrokerOptions extends StoreLayout, BatcherLimits {
  /** nats.js connection options (`servers`, credentials, TLS…); a string is the server URL. */
  connection: string | ConnectionOptions;
  /** Tries to win the race for the next offset before a publish gives up (busy topic, many nodes). */
  publishAttempts: number;
  /** Topics whose head (last sequence and offset) is cached; past it the oldest is forgotten. */
  maxCachedHeads: number;
  /** `start` waits this long for the first connection, then resolves degraded and keeps trying. */
  startTimeoutMs: number;
  /** Delay between reconnect attempts (nats.js adds jitter), ms. */
  reconnectWaitMs: number;
}

/** Defaults of `NatsBrokerOptions`. */
export const natsBrokerDefaults: NatsBrokerOptions = {
  connection: "nats://127.0.0.1:4222",
  prefix: "dashwire",
  stream: "DASHWIRE",
  maxHistory: 1000,
  topicTtlMs: 24 * 60 * 60 * 1000,
  maxBytes: 1024 * 1024 * 1024,
  maxLatest: 1_000_000,
  storage: "file",
  replicas: 1,
  timeoutMs: 5000,
  publishAttempts: 50,
  maxPendingPerTopic: 10_000,
  maxBatch: 500,
  maxBatchBytes: 256 * 1024,
  maxCachedHeads: 10_000,
  startTimeoutMs: 10_000,
  reconnectWaitMs: 250,
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Delays between tries of a publish that keeps losing the offset race (after the third loss). */
const RACE_BACKOFF: Readonly<BackoffOptions> = { minDelayMs: 1, maxDelayMs: 100, factor: 2 };

/**
 * The NATS broker: JetStream assigns offsets (optimistic concurrency on the topic's last
 * sequence, offset and epoch in headers) and keeps history; JetStream republishes each stored
 * message on a core subject that nodes subscribe to per topic. See docs/brokers.md.
 */
export class NatsBroker implements Broker {
  readonly name = "nats";
  private readonly options: NatsBrokerOptions;
  private sink: BrokerSink | undefined;
  private nc: NatsConnection | undefined;
  private store: NatsStore | undefined;
  /** Topics delivered to this node; undefined until the link is up to subscribe. */
  private readonly subs = new Map<string, Subscription | undefined>();
  private readonly heads = new Map<string, Head>();
  private readonly batcher: PublishBatcher;
  private status: BrokerStatus = { ok: false, reason: "starting" };
  private generation = 0;
  private closed = false;
  private onFirstOk: (() => void) | undefined;

  constructor(options: Partial<NatsBrokerOptions> = {}) {
    this.options = { ...natsBrokerDefaults, ...options };
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(this.options.prefix))
      throw new DashwireError(ErrorCode.InvalidField, "nats broker prefix must be subject tokens of [A-Za-z0-9_-]");
    if (!/^[A-Za-z0-9_-]+$/.test(this.options.stream))
      throw new DashwireError(ErrorCode.InvalidField, "nats broker stream name must match [A-Za-z0-9_-]+");
    this.batcher = new PublishBatcher(this.options, (topic, inputs) => this.flush(topic, inputs));
  }

  async start(sink: BrokerSink): Promise<void> {
    this.sink = sink;
    const first = new Promise<void>((resolve) => {
      this.onFirstOk = resolve;
    });
    this.connectLoop();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.startTimeoutMs);
    });
    await Promise.race([first, timeout]);
    clearTimeout(timer);
    this.onFirstOk = undefined;
    if (!this.status.ok) sink.onStatus(this.status);
  }

  publish(input: PublishInput): Promise<Publication> {
    return this.batcher.publish(input);
  }

  /**
   * Stores a batch of one topic's publications as the message after the topic's head. Offsets
   * stay contiguous across nodes: the append names the stream sequence it expects to follow
   * (`Nats-Expected-Last-Subject-Sequence`); losing that race re-reads the head and retries.
   */
  private async flush(topic: string, inputs: PublishInput[]): Promise<Flushed> {
    const store = this.ready();
    for (let attempt = 1; ; attempt++) {
      try {
        const head = this.heads.get(topic) ?? (await store.readHead(topic, false));
        const time = Date.now();
        const ack = await store.append(inputs, head, time);
        const pubs = inputs.map((input, i) => {
          const pub: Publication = { topic, epoch: head.epoch, offset: head.offset + 1 + i, data: input.data, time };
          if (input.key !== undefined) pub.key = input.key;
          if (input.urgent) pub.urgent = true;
          return pub;
        });
        const { retention } = inputs[inputs.length - 1] as PublishInput;
        this.cacheHead(topic, {
          seq: ack.seq,
          epoch: head.epoch,
          offset: head.offset + inputs.length,
          historySize: retention.historySize,
          historyTtlMs: retention.historyTtlMs,
          latestKeys: retention.latestKeys,
        });
        return { pubs, after: this.putLatest(store, pubs, inputs) };
      } catch (err) {
        this.heads.delete(topic);
        if (!isWrongLastSequence(err)) throw unavailable(errorText(err));
        if (attempt >= this.options.publishAttempts)
          throw unavailable(`lost the offset race ${attempt} times on ${topic}`);
        // Another node published first; after a few losses, back off so one of us wins.
        if (attempt > 3) await new Promise((r) => setTimeout(r, backoff(attempt - 4, RACE_BACKOFF)));
      }
    }
  }

  /** Writes the newest value of each key in the batch (in flight while the next batch goes). */
  private putLatest(store: NatsStore, pubs: Publication[], inputs: PublishInput[]): Promise<unknown> {
    const newest = new Map<string, Publication>();
    for (let i = 0; i < pubs.length; i++) {
      const pub = pubs[i] as Publication;
      if (pub.key !== undefined && (inputs[i] as PublishInput).retention.latestKeys > 0) newest.set(pub.key, pub);
    }
    if (newest.size === 0) return Promise.resolve();
    return Promise.all([...newest.values()].map((pub) => store.putLatest(pub)));
  }

  /**
   * Core NATS alone: published on the topic's delivery subject without headers (what JetStream
   * republishes always has them), never stored. Resolves after a flush: the server has it.
   */
  async send(topic: string, data: string): Promise<void> {
    const store = this.ready();
    const nc = this.nc as NatsConnection;
    try {
      nc.publish(store.deliverSubject(topic), encoder.encode(data));
      await nc.flush();
    } catch (err) {
      throw unavailable(errorText(err));
    }
  }

  async subscribe(topic: string): Promise<void> {
    if (this.subs.has(topic)) return;
    const nc = this.nc;
    const store = this.store;
    if (nc === undefined || store === undefined || !this.status.ok) {
      // Subscribed when the link is back (see relink).
      this.subs.set(topic, undefined);
      return;
    }
    this.subs.set(topic, this.listen(nc, store, topic));
    try {
      // A round trip: the server has the subscription before history is read.
      await nc.flush();
    } catch (err) {
      throw unavailable(errorText(err));
    }
  }

  private listen(nc: NatsConnection, store: NatsStore, topic: string): Subscription {
    return nc.subscribe(store.deliverSubject(topic), {
      callback: (_err, m: Msg) => {
        // nats.js re-subscribes as soon as it reconnects, before ok is reported: a publication
        // handed over now could jump a gap. Dropped ones come back through the hub's resume at ok.
        if (!this.status.ok) return;
        if (m.headers === undefined) {
          this.sink?.onMessage(topic, decoder.decode(m.data));
          return;
        }
        const pubs = decodeBatch(topic, m.headers, m.data);
        const last = pubs[pubs.length - 1];
        if (last === undefined) return;
        const cached = this.heads.get(topic);
        // Keep the head fresh from what other nodes publish: fewer lost races.
        if (cached !== undefined && cached.epoch === last.epoch && cached.offset < last.offset)
          this.cacheHead(topic, { ...cached, seq: numberHeader(m.headers, Hdr.sequence), offset: last.offset });
        const sink = this.sink;
        if (sink !== undefined) for (const pub of pubs) sink.onPublication(pub);
      },
    });
  }

  async unsubscribe(topic: string): Promise<void> {
    const sub = this.subs.get(topic);
    this.subs.delete(topic);
    sub?.unsubscribe();
  }

  async history(topic: string, query: HistoryQuery): Promise<HistoryResult> {
    const store = this.ready();
    try {
      return await this.read(store, topic, query);
    } catch (err) {
      throw unavailable(errorText(err));
    }
  }

  /** The memory broker's semantics, on JetStream. */
  private async read(store: NatsStore, topic: string, query: HistoryQuery): Promise<HistoryResult> {
    const head = await store.readHead(topic, true);
    const result: HistoryResult = { epoch: head.epoch, offset: head.offset, publications: [], recovered: false };
    const minTime = head.historyTtlMs > 0 ? Date.now() - head.historyTtlMs : 0;
    const limit = Math.max(1, query.limit);
    const { since } = query;
    if (since !== undefined) {
      if (since.epoch === head.epoch) {
        if (since.offset >= head.offset) result.recovered = true;
        else if (head.offset - since.offset <= limit) {
          const ring = await store.readRing(topic, head);
          const next = ring.find((p) => p.offset === since.offset + 1);
          if (next !== undefined && next.time >= minTime) {
            result.publications = ring.filter((p) => p.offset > since.offset);
            result.recovered = true;
          }
        }
      }
      if (!result.recovered && query.snapshot) result.publications = await this.snapshot(store, topic, head, limit);
    } else if (query.last !== undefined && query.last > 0) {
      const ring = (await store.readRing(topic, head)).filter((p) => p.time >= minTime);
      result.publications = ring.slice(-Math.min(query.last, limit));
    } else if (query.snapshot) {
      result.publications = await this.snapshot(store, topic, head, limit);
    }
    return result;
  }

  /**
   * Latest value per key. The ring is merged in: a publication is stored in history before
   * its key's latest value is written, so the newest ones may be only there.
   */
  private async snapshot(store: NatsStore, topic: string, head: Head, limit: number): Promise<Publication[]> {
    if (head.latestKeys <= 0) return [];
    const [latest, ring] = await Promise.all([store.readLatest(topic, head), store.readRing(topic, head, true)]);
    const byKey = new Map<string, Publication>();
    for (const pub of [...latest, ...ring]) {
      if (pub.key === undefined) continue;
      const seen = byKey.get(pub.key);
      if (seen === undefined || seen.offset < pub.offset) byKey.set(pub.key, pub);
    }
    const pubs = [...byKey.values()].sort((a, b) => a.offset - b.offset);
    return pubs.slice(-Math.min(head.latestKeys, limit));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.generation++;
    this.subs.clear();
    this.heads.clear();
    await this.nc?.close().catch(() => {});
    this.report({ ok: false, reason: "closed" });
    this.sink = undefined;
  }

  private ready(): NatsStore {
    if (this.closed) throw unavailable("closed");
    if (this.store === undefined || !this.status.ok) throw unavailable(this.status.reason ?? "link down");
    return this.store;
  }

  private cacheHead(topic: string, head: Head): void {
    this.heads.delete(topic);
    this.heads.set(topic, head);
    if (this.heads.size > this.options.maxCachedHeads) this.heads.delete(this.heads.keys().next().value as string);
  }

  /** Connects (retrying forever), then watches the link until close. */
  private connectLoop(): void {
    const { connection, reconnectWaitMs, timeoutMs } = this.options;
    const options: ConnectionOptions = typeof connection === "string" ? { servers: connection } : { ...connection };
    connect({
      ...options,
      waitOnFirstConnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: reconnectWaitMs,
      timeout: timeoutMs,
    }).then(
      (nc) => {
        if (this.closed) {
          nc.close().catch(() => {});
          return;
        }
        this.nc = nc;
        this.watch(nc);
        this.relink(nc);
      },
      (err: unknown) => {
        this.report({ ok: false, reason: `nats connect failed: ${errorText(err)}` });
        if (!this.closed) setTimeout(() => this.connectLoop(), reconnectWaitMs).unref();
      },
    );
  }

  private watch(nc: NatsConnection): void {
    (async () => {
      for await (const s of nc.status()) {
        if (s.type === Events.Disconnect) {
          this.generation++;
          this.report({ ok: false, reason: `nats connection lost (${String(s.data)})` });
        } else if (s.type === Events.Reconnect) this.relink(nc);
      }
    })().catch(() => {});
    nc.closed().then((err) => {
      if (this.closed || this.nc !== nc) return;
      this.generation++;
      this.report({ ok: false, reason: `nats connection closed: ${err?.message ?? "by server"}` });
      this.nc = undefined;
      this.subs.clear();
      this.connectLoop();
    });
  }

  /**
   * Connected (again): make sure the streams exist (a NATS restart without storage loses
   * them), re-create subscriptions, forget cached heads, then report ok. nats.js re-sends the
   * connection's subscriptions itself; the flush makes sure the server has them.
   */
  private relink(nc: NatsConnection): void {
    const gen = ++this.generation;
    (async () => {
      const jsm = await nc.jetstreamManager({ timeout: this.options.timeoutMs });
      if (gen !== this.generation) return;
      const store = new NatsStore(nc.jetstream({ timeout: this.options.timeoutMs }), jsm, this.options);
      await store.ensureStreams();
      for (const [topic, sub] of this.subs)
        if (sub === undefined || sub.isClosed()) this.subs.set(topic, this.listen(nc, store, topic));
      await nc.flush();
      if (gen !== this.generation) return;
      this.store = store;
      this.heads.clear();
      this.report({ ok: true });
    })().catch((err: unknown) => {
      if (gen !== this.generation || this.closed) return;
      this.report({ ok: false, reason: `nats jetstream not ready: ${errorText(err)}` });
      setTimeout(() => {
        if (gen === this.generation && !this.closed) this.relink(nc);
      }, this.options.reconnectWaitMs).unref();
    });
  }

  /** Records the link state; tells the hub of every change (during `start`, only of success). */
  private report(status: BrokerStatus): void {
    const changed = status.ok !== this.status.ok;
    this.status = status;
    if (status.ok) this.onFirstOk?.();
    if (changed && (status.ok || this.onFirstOk === undefined)) this.sink?.onStatus(status);
  }
}

/** The coded error every failed broker call rejects with (the server answers it as 5001). */
function unavailable(reason: string): DashwireError {
  return new DashwireError(ErrorCode.BrokerUnavailable, `nats broker unavailable: ${reason}`);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
