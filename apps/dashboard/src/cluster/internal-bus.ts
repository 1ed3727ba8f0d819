/**
 * Node-to-node messages of the dashboard (ingest forwarding, rollup replication, dashboard
 * changes, leader heartbeats) over the dashwire broker, on internal `$` topics that clients can
 * neither name nor subscribe to. It wraps the node's broker: publications on a topic the app
 * listens to go to the app, everything else to the server as before.
 */
import type {
  Broker,
  BrokerSink,
  BrokerStatus,
  HistoryQuery,
  HistoryResult,
  Publication,
  PublishInput,
  TopicRetention,
} from "@dashwire/server";

/** Internal messages are not kept: no history, no latest value. */
const NO_RETENTION: TopicRetention = { historySize: 0, historyTtlMs: 0, latestKeys: 0 };

/** Most internal topics one node listens to (a node listens to a handful). */
const MAX_TOPICS = 64;

/** A broker that also carries the app's internal topics. Pass it to `createServer({ broker })`. */
export class InternalBus implements Broker {
  readonly name: string;
  private readonly handlers = new Map<string, (data: string) => void>();
  private readonly statusListeners: Array<(status: BrokerStatus) => void> = [];
  /** Link state as last reported by the inner broker. */
  status: BrokerStatus = { ok: false, reason: "starting" };

  constructor(readonly inner: Broker) {
    this.name = inner.name;
  }

  start(sink: BrokerSink): Promise<void> {
    const handlers = this.handlers;
    return this.inner.start({
      onPublication(pub) {
        const handler = handlers.get(pub.topic);
        if (handler === undefined) sink.onPublication(pub);
        else handler(pub.data);
      },
      onStatus: (status) => {
        this.status = status;
        sink.onStatus(status);
        for (const listener of this.statusListeners) listener(status);
      },
    });
  }

  publish(input: PublishInput): Promise<Publication> {
    return this.inner.publish(input);
  }

  subscribe(topic: string): Promise<void> {
    return this.inner.subscribe(topic);
  }

  unsubscribe(topic: string): Promise<void> {
    return this.inner.unsubscribe(topic);
  }

  history(topic: string, query: HistoryQuery): Promise<HistoryResult> {
    return this.inner.history(topic, query);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Delivers `topic` (a `$` topic) to `handler` on this node, from now on. Call after `start`. */
  async listen(topic: string, handler: (data: unknown) => void): Promise<void> {
    if (!topic.startsWith("$")) throw new RangeError(`internal topics start with $, got ${topic}`);
    if (!this.handlers.has(topic) && this.handlers.size >= MAX_TOPICS)
      throw new RangeError(`at most ${MAX_TOPICS} internal topics`);
    this.handlers.set(topic, (data) => {
      let value: unknown;
      try {
        value = JSON.parse(data);
      } catch {
        return; // not from a dashwire node: ignore
      }
      handler(value);
    });
    await this.inner.subscribe(topic);
  }

  /** Stops delivering `topic` to this node. */
  async unlisten(topic: string): Promise<void> {
    if (this.handlers.delete(topic)) await this.inner.unsubscribe(topic);
  }

  /** Publishes `data` (JSON-encoded) on an internal topic, to every node listening. */
  async send(topic: string, data: unknown): Promise<void> {
    await this.inner.publish({ topic, data: JSON.stringify(data), retention: NO_RETENTION });
  }

  /** Calls `listener` at every change of the broker link. */
  onStatus(listener: (status: BrokerStatus) => void): void {
    this.statusListeners.push(listener);
  }
}
