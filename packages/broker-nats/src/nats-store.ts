import { newEpoch, type Publication, type PublishInput } from "@dashwire/server";
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  Empty,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  NatsError,
  nanos,
  type PubAck,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "nats";
import {
  batchHeaders,
  decodeBatch,
  decodeLatest,
  encodeBatch,
  Hdr,
  latestHeaders,
  numberHeader,
} from "./nats-entry.js";
import { encodeToken } from "./subject-token.js";

/** How the JetStream streams are laid out and capped (resolved from `NatsBrokerOptions`). */
export interface StoreLayout {
  /** Subject prefix (one or more tokens). */
  prefix: string;
  /** History stream name; the latest-value stream is `<name>_LATEST`. */
  stream: string;
  /** Messages kept per topic (the largest history ring any topic may ask for). */
  maxHistory: number;
  /** Messages (every topic) older than this are removed (0: never). */
  topicTtlMs: number;
  /** Bytes of the history stream; past it the oldest messages go. */
  maxBytes: number;
  /** Keys (every topic) in the latest-value stream; past it the oldest go. */
  maxLatest: number;
  storage: "file" | "memory";
  replicas: number;
  /** Timeout of each JetStream request, ms. */
  timeoutMs: number;
}

/** The newest stored message of a topic: where the next publication goes. */
export interface Head {
  /** Stream sequence of that message (0: the topic has none). */
  seq: number;
  epoch: string;
  offset: number;
  historySize: number;
  historyTtlMs: number;
  latestKeys: number;
}

/** JetStream error code: `Nats-Expected-Last-Subject-Sequence` did not match. */
const WRONG_LAST_SEQUENCE = 10071;
/** JetStream error code: no message for the subject. */
const NO_MESSAGE = 10037;

/** True when a publish lost the race for the next offset. */
export function isWrongLastSequence(err: unknown): boolean {
  return err instanceof NatsError && err.api_error?.err_code === WRONG_LAST_SEQUENCE;
}

function isNoMessage(err: unknown): boolean {
  return err instanceof NatsError && (err.api_error?.err_code === NO_MESSAGE || err.api_error?.code === 404);
}

/**
 * Topic storage on JetStream. History: stream `<stream>` on `<prefix>.t.<topic>`, at most
 * `maxHistory` messages per topic; JetStream republishes every stored message to
 * `<prefix>.d.<topic>`, which nodes subscribe to with core NATS. Latest values: stream
 * `<stream>_LATEST` on `<prefix>.k.<topic>.<key>`, one message per key.
 */
export class NatsStore {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly layout: StoreLayout,
  ) {}

  historySubject(topic: string): string {
    return `${this.layout.prefix}.t.${encodeToken(topic)}`;
  }

  /** Where stored publications of `topic` are delivered (core NATS, in stream order). */
  deliverSubject(topic: string): string {
    return `${this.layout.prefix}.d.${encodeToken(topic)}`;
  }

  latestSubject(topic: string, key: string): string {
    return `${this.layout.prefix}.k.${encodeToken(topic)}.${encodeToken(key)}`;
  }

  /** Creates both streams, or updates them to this layout. */
  async ensureStreams(): Promise<void> {
    const { prefix, stream, topicTtlMs, storage, replicas } = this.layout;
    const common: Partial<StreamConfig> = {
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: nanos(topicTtlMs),
      storage: storage === "memory" ? StorageType.Memory : StorageType.File,
      num_replicas: replicas,
    };
    await this.upsert({
      ...common,
      name: stream,
      subjects: [`${prefix}.t.>`],
      max_msgs_per_subject: this.layout.maxHistory,
      max_bytes: this.layout.maxBytes,
      // Only messages the stream accepted reach subscribers, in stream order. Subscribing to
      // `.t.` directly would also deliver publishes the stream refused (lost offset races).
      republish: { src: `${prefix}.t.>`, dest: `${prefix}.d.>` },
    });
    await this.upsert({
      ...common,
      name: `${stream}_LATEST`,
      subjects: [`${prefix}.k.>`],
      max_msgs_per_subject: 1,
      max_msgs: this.layout.maxLatest,
    });
  }

  private async upsert(config: Partial<StreamConfig> & { name: string }): Promise<void> {
    try {
      await this.jsm.streams.info(config.name);
    } catch (err) {
      if (!(err instanceof NatsError) || err.api_error?.code !== 404) throw err;
      await this.jsm.streams.add(config);
      return;
    }
    await this.jsm.streams.update(config.name, config);
  }

  /**
   * The head of a topic. A topic with no message gets an epoch marker first (offset 0) when
   * `mark` is set, so a subscriber learns the epoch the first publication will carry.
   */
  async readHead(topic: string, mark: boolean): Promise<Head> {
    const subject = this.historySubject(topic);
    for (let attempt = 0; ; attempt++) {
      try {
        const m = await this.jsm.streams.getMessage(this.layout.stream, { last_by_subj: subject });
        const h = m.header;
        return {
          seq: m.seq,
          epoch: h.get(Hdr.epoch),
          // The last offset the message holds.
          offset: Math.max(0, numberHeader(h, Hdr.offset) + numberHeader(h, Hdr.count) - 1),
          historySize: numberHeader(h, Hdr.historySize),
          historyTtlMs: numberHeader(h, Hdr.historyTtl),
          latestKeys: numberHeader(h, Hdr.latestKeys),
        };
      } catch (err) {
        if (!isNoMessage(err)) throw err;
      }
      const empty: Head = { seq: 0, epoch: newEpoch(), offset: 0, historySize: 0, historyTtlMs: 0, latestKeys: 0 };
      if (!mark) return empty;
      try {
        const h = batchHeaders(undefined, empty.epoch, 0, 0, Date.now());
        h.set(Hdr.expectLastSubjectSeq, "0");
        const ack = await this.js.publish(subject, Empty, { headers: h, timeout: this.layout.timeoutMs });
        return { ...empty, seq: ack.seq };
      } catch (err) {
        // Another node created the epoch first: read theirs.
        if (!isWrongLastSequence(err) || attempt > 3) throw err;
      }
    }
  }

  /** Stores publications after `head` in one message; rejects with a wrong-last-sequence error if `head` is stale. */
  append(inputs: PublishInput[], head: Head, time: number): Promise<PubAck> {
    const last = inputs[inputs.length - 1] as PublishInput;
    const h = batchHeaders(last, head.epoch, head.offset + 1, inputs.length, time);
    h.set(Hdr.expectLastSubjectSeq, String(head.seq));
    return this.js.publish(this.historySubject(last.topic), encodeBatch(inputs), {
      headers: h,
      timeout: this.layout.timeoutMs,
    });
  }

  /** Stores the latest value of the publication's key. */
  async putLatest(pub: Publication): Promise<void> {
    await this.js.publish(this.latestSubject(pub.topic, pub.key ?? ""), Buffer.from(pub.data), {
      headers: latestHeaders(pub),
      timeout: this.layout.timeoutMs,
    });
  }

  /**
   * The topic's stored publications up to `head`, in offset order: within its ring size, or
   * (`whole`) everything the stream still holds of the epoch.
   */
  async readRing(topic: string, head: Head, whole = false): Promise<Publication[]> {
    if (head.offset === 0 || (!whole && head.historySize <= 0)) return [];
    const msgs = await this.readAll(this.layout.stream, this.historySubject(topic), DeliverPolicy.All);
    const from = whole ? 0 : head.offset - head.historySize;
    const out: Publication[] = [];
    for (const m of msgs) {
      if (m.seq > head.seq) break;
      for (const pub of decodeBatch(topic, m.headers, m.data))
        if (pub.epoch === head.epoch && pub.offset > from) out.push(pub);
    }
    return out;
  }

  /** Latest value per key of the topic's current epoch, up to `head` (unordered). */
  async readLatest(topic: string, head: Head): Promise<Publication[]> {
    const filter = `${this.layout.prefix}.k.${encodeToken(topic)}.*`;
    const msgs = await this.readAll(`${this.layout.stream}_LATEST`, filter, DeliverPolicy.LastPerSubject);
    const out: Publication[] = [];
    for (const m of msgs) {
      const pub = decodeLatest(topic, m.headers, m.data);
      if (pub !== undefined && pub.epoch === head.epoch && pub.offset <= head.offset) out.push(pub);
    }
    return out;
  }

  /** Every message an ephemeral consumer on `filter` has pending at creation, then deletes it. */
  private async readAll(stream: string, filter: string, policy: DeliverPolicy): Promise<JsMsg[]> {
    const info = await this.jsm.consumers.add(stream, {
      ack_policy: AckPolicy.None,
      deliver_policy: policy,
      filter_subject: filter,
      mem_storage: true,
      inactive_threshold: nanos(30_000),
    });
    try {
      const want = info.num_pending;
      const out: JsMsg[] = [];
      if (want === 0) return out;
      const consumer = this.js.consumers.getPullConsumerFor(info);
      const iter = await consumer.fetch({ max_messages: want, expires: this.layout.timeoutMs });
      for await (const m of iter) {
        out.push(m);
        if (out.length >= want || m.info.pending === 0) break;
      }
      return out;
    } finally {
      this.jsm.consumers.delete(stream, info.name).catch(() => {});
    }
  }
}
