import type { Logger } from "pino";
import type { Broker, TopicRetention } from "./broker/broker.js";
import { GONE, type HttpTransports, type TransportRelay } from "./transport/http-transports.js";
import type { PollResponder } from "./transport/polling-transport.js";

/** Node-to-node messages are not kept: no history, no latest value. */
const NO_RETENTION: TopicRetention = { historySize: 0, historyTtlMs: 0, latestKeys: 0 };

/** Prefix of internal topics; `$` is outside the client topic charset, so clients cannot name them. */
export const NODE_TOPIC_PREFIX = "$node:";

/** The topic every node listens on for commands to all nodes (no node id is `*`). */
export const NODE_BROADCAST_TOPIC = `${NODE_TOPIC_PREFIX}*`;

/** A command every node runs on its own clients (sent with `NodeRelay.broadcast`). */
export interface NodeCommand {
  k: "disconnect";
  /** The user whose connections close. */
  user: string;
  /** Only this connection (session id) of the user. */
  client?: string;
  /** Close code and reason (at most 123 bytes: the WebSocket limit). */
  code: number;
  reason: string;
}

type RelayMessage =
  | NodeCommand
  | { k: "send"; tid: string; f: string }
  | { k: "close"; tid: string }
  | { k: "poll"; tid: string; rid: number; from: string }
  | { k: "abort"; rid: number; from: string }
  | { k: "polled"; rid: number; body: string };

/**
 * No sticky sessions (design decision 5): an HTTP transport lives on the node that opened it,
 * and a POST or poll that a round-robin balancer sends to another node is carried to that home
 * node through the broker, on the home node's own topic `$node:<id>`. Commands for every node
 * (disconnect a user, from the server API) go on `$node:*`, which every node also listens on.
 */
export class NodeRelay implements TransportRelay {
  /** Polls relayed from this node, waiting for the home node's answer. */
  private readonly waiting = new Map<number, { responder: PollResponder; timer: NodeJS.Timeout }>();
  /** Abort listeners of polls held here for other nodes (bounded: stale ones are forgotten). */
  private readonly remotePolls = new BoundedMap<string, () => void>(10_000);
  private lastRid = 0;
  /** Set by `release()`: this node stops, polls relayed through it are not held any more. */
  private released = false;
  /** Relay messages handed to the broker and not yet taken by it. */
  private readonly posting = new Set<Promise<void>>();

  constructor(
    private readonly broker: Broker,
    private readonly logger: Logger,
    readonly nodeId: string,
    private readonly transports: HttpTransports,
    /** Longest a relayed poll waits for the home node (ms). */
    private readonly pollWaitMs: number,
    /** Runs a broadcast command on this node's clients. */
    private readonly run: (command: NodeCommand) => void,
  ) {}

  /** The topic on which this node receives relayed requests. */
  get topic(): string {
    return NODE_TOPIC_PREFIX + this.nodeId;
  }

  /** Starts receiving: this node's own topic and the broadcast topic. */
  async subscribe(): Promise<void> {
    await Promise.all([this.broker.subscribe(this.topic), this.broker.subscribe(NODE_BROADCAST_TOPIC)]);
  }

  /** Sends a command to every node, this one included; resolves once the broker took it. */
  async broadcast(command: NodeCommand): Promise<void> {
    await this.broker.publish({ topic: NODE_BROADCAST_TOPIC, data: JSON.stringify(command), retention: NO_RETENTION });
  }

  send(home: string, tid: string, frame: string): void {
    this.post(home, { k: "send", tid, f: frame });
  }

  close(home: string, tid: string): void {
    this.post(home, { k: "close", tid });
  }

  poll(home: string, tid: string, responder: PollResponder): void {
    if (this.released) {
      responder.respond("");
      return;
    }
    const rid = ++this.lastRid;
    // No answer from the home node in time: it is gone, and so is the transport.
    const timer = setTimeout(() => this.answer(rid, GONE), this.pollWaitMs);
    timer.unref();
    this.waiting.set(rid, { responder, timer });
    responder.onAbort(() => {
      if (!this.waiting.has(rid)) return;
      clearTimeout(timer);
      this.waiting.delete(rid);
      this.post(home, { k: "abort", rid, from: this.nodeId });
    });
    this.post(home, { k: "poll", tid, rid, from: this.nodeId });
  }

  /** Polls held here for clients of other nodes, waiting for their home node's answer. */
  get waitingPolls(): number {
    return this.waiting.size;
  }

  /**
   * This node stops: every poll still waiting, and every one relayed through it from now on, is
   * answered with nothing new, so its client polls again elsewhere.
   */
  release(): void {
    this.released = true;
    for (const rid of [...this.waiting.keys()]) this.answer(rid, "");
  }

  /**
   * Resolves once every relay message posted so far was taken by the broker (or failed). A node
   * that stops waits for this before it closes its broker and exits: a worker's last answers to
   * polls held by other workers could otherwise die unsent in its IPC channel.
   */
  async posted(): Promise<void> {
    while (this.posting.size > 0) await Promise.all([...this.posting]);
  }

  /** A relayed request or answer for this node (the data of a `$node:<id>` publication). */
  receive(data: string): void {
    let m: RelayMessage;
    try {
      m = JSON.parse(data) as RelayMessage;
    } catch {
      return;
    }
    switch (m.k) {
      case "disconnect":
        this.run(m);
        return;
      case "send":
        this.transports.deliver(m.tid, m.f);
        return;
      case "close":
        this.transports.end(m.tid);
        return;
      case "poll": {
        const { from, rid } = m;
        const key = `${from}:${rid}`;
        const responder: PollResponder = {
          respond: (body) => {
            this.remotePolls.delete(key);
            this.post(from, { k: "polled", rid, body });
          },
          onAbort: (listener) => {
            this.remotePolls.set(key, listener);
          },
        };
        if (!this.transports.poll(m.tid, responder)) responder.respond(GONE);
        return;
      }
      case "abort": {
        const key = `${m.from}:${m.rid}`;
        const listener = this.remotePolls.get(key);
        this.remotePolls.delete(key);
        listener?.();
        return;
      }
      case "polled":
        this.answer(m.rid, m.body);
        return;
    }
  }

  private answer(rid: number, body: string): void {
    const waiting = this.waiting.get(rid);
    if (waiting === undefined) return;
    clearTimeout(waiting.timer);
    this.waiting.delete(rid);
    waiting.responder.respond(body);
  }

  private post(node: string, message: RelayMessage): void {
    const posting: Promise<void> = this.broker
      .publish({ topic: NODE_TOPIC_PREFIX + node, data: JSON.stringify(message), retention: NO_RETENTION })
      .then(
        () => {},
        (err: unknown) => this.logger.warn({ err, node }, "relay to node failed"),
      )
      .finally(() => this.posting.delete(posting));
    this.posting.add(posting);
  }
}

/** A map that forgets its oldest entries past `limit`. */
class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }

  override set(key: K, value: V): this {
    super.set(key, value);
    if (this.size > this.limit) this.delete(this.keys().next().value as K);
    return this;
  }
}
