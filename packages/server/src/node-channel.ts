import { ErrorCode } from "@dashwire/protocol";
import type { Logger } from "pino";
import type { Broker } from "./broker/broker.js";
import { DashwireError } from "./errors.js";

/** Prefix of a node's own topic (`$node:<id>`) and of the all-nodes topic (`$node:*`). */
export const NODE_TOPIC_PREFIX = "$node:";
/** Prefix of group topics (`$group:<name>`: the nodes that listen to a group). */
export const GROUP_TOPIC_PREFIX = "$group:";
/** What `send` takes as "every node" (no node id is `*`). */
export const ALL_NODES = "*";

/** How often a node says it is alive, ms. */
export const HEARTBEAT_MS = 10_000;
/** A node not heard from for this long is gone, ms. */
const EXPIRY_MS = 3 * HEARTBEAT_MS;
/** Requests awaiting replies; past it a new request rejects at once. */
const MAX_PENDING = 100_000;
/** Longest a stopping node waits for the answers it owes before its goodbye, ms. */
const CLOSE_WAIT_MS = 1000;
/** Requests of other nodes being handled here that can still be cancelled (oldest forgotten). */
const MAX_HANDLING = 10_000;

/** One channel message. Reserved kinds start with "." (heartbeat, reply, cancel, leaving). */
interface Envelope {
  /** Kind: picks the handler. */
  k: string;
  /** Sending node. */
  f: string;
  b?: unknown;
  /** Request id: the sender awaits a reply. */
  q?: number;
  /** Id of the request a reply or cancel is about. */
  a?: number;
  /** A reply's error message. */
  x?: string;
  /** The group a group message went to. */
  g?: string;
  /** A heartbeat sent to one node in answer to its first (no answer back). */
  d?: 1;
}

/** What a handler learns besides the body. */
export interface ChannelContext {
  /** The node that sent the message. */
  from: string;
  /** The group it was sent to (group messages only). */
  group: string | undefined;
  /** Aborted when the requester gives up (requests only). */
  signal: AbortSignal | undefined;
}

/** Handles one kind of message; for a request, what it returns (or resolves to) is the reply. */
export type ChannelHandler = (body: unknown, ctx: ChannelContext) => unknown;

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  /** The node asked (one), or the nodes still owing an answer (all). */
  node: string | undefined;
  owed: Set<string> | undefined;
  answers: Map<string, unknown> | undefined;
}

/**
 * The one node-to-node channel of a server, over its broker's `send` (nothing is stored): a
 * message to one node or to all, to a group of nodes, requests with a reply and a timeout (to
 * one node, or to every other live node), and membership: every node says it is alive every
 * `HEARTBEAT_MS`, a node silent for three periods (or that said goodbye) is gone. The relay of
 * HTTP transports, cross-node presence and the server API's commands all run on it.
 */
export class NodeChannel {
  private readonly handlers = new Map<string, ChannelHandler>();
  /** Other live nodes → when last heard from (ms). */
  private readonly members = new Map<string, number>();
  private readonly pending = new Map<number, Pending>();
  /** Requests of other nodes handled here, by `<node>:<id>`, for their cancel. */
  private readonly handling = new Map<string, AbortController>();
  private readonly goneListeners: ((node: string) => void)[] = [];
  private readonly joinListeners: ((node: string) => void)[] = [];
  /** Sends handed to the broker and not yet taken by it. */
  private readonly posting = new Set<Promise<void>>();
  /** Requests of other nodes still being answered here. */
  private readonly answering = new Set<Promise<void>>();
  private lastId = 0;
  private timer: NodeJS.Timeout | undefined = undefined;
  private closed = false;

  constructor(
    private readonly broker: Broker,
    /** This node's id. */
    readonly nodeId: string,
    private readonly logger: Logger,
  ) {}

  /** Starts receiving (this node's topic and the all-nodes topic) and says hello. */
  async start(): Promise<void> {
    await Promise.all([
      this.broker.subscribe(NODE_TOPIC_PREFIX + this.nodeId),
      this.broker.subscribe(NODE_TOPIC_PREFIX + ALL_NODES),
    ]);
    if (this.closed) return;
    this.timer = setInterval(this.tick, HEARTBEAT_MS);
    this.timer.unref();
    this.fire(NODE_TOPIC_PREFIX + ALL_NODES, { k: ".hello", f: this.nodeId });
  }

  /** Registers the handler of messages of `kind` (one per kind). */
  on(kind: string, handler: ChannelHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Calls `listener` with each node that went away (silent for three periods, or said goodbye). */
  onGone(listener: (node: string) => void): void {
    this.goneListeners.push(listener);
  }

  /** Calls `listener` with each node heard from for the first time (or again after it went away). */
  onJoin(listener: (node: string) => void): void {
    this.joinListeners.push(listener);
  }

  /** The other live nodes. */
  peers(): IterableIterator<string> {
    return this.members.keys();
  }

  /**
   * Sends to one node, or to every node (`ALL_NODES`, this one included). Resolves once the
   * broker took it; rejects (5001) when it could not.
   */
  send(node: string, kind: string, body: unknown): Promise<void> {
    return this.post(NODE_TOPIC_PREFIX + node, { k: kind, f: this.nodeId, b: body });
  }

  /** Sends to the other nodes that listen to `group`. */
  sendGroup(group: string, kind: string, body: unknown): Promise<void> {
    return this.post(GROUP_TOPIC_PREFIX + group, { k: kind, f: this.nodeId, b: body, g: group });
  }

  /** Starts receiving what is sent to `group`. */
  listen(group: string): Promise<void> {
    return this.broker.subscribe(GROUP_TOPIC_PREFIX + group);
  }

  /** Stops receiving what is sent to `group`. */
  unlisten(group: string): void {
    this.broker.unsubscribe(GROUP_TOPIC_PREFIX + group).catch(() => {});
  }

  /**
   * Asks another node; resolves with its handler's answer. Rejects (5001) when the node does not
   * answer within `timeoutMs`, goes away, or its handler failed; aborting `signal` cancels the
   * request there too (its handler's `signal` aborts).
   */
  request(node: string, kind: string, body: unknown, timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
    return this.ask(node, kind, body, timeoutMs, signal) as Promise<unknown>;
  }

  /**
   * Asks every other live node; resolves with the answers by node once all answered, or after
   * `timeoutMs` with those that did (at once when this node is alone).
   */
  requestAll(kind: string, body: unknown, timeoutMs: number): Promise<Map<string, unknown>> {
    return this.ask(undefined, kind, body, timeoutMs) as Promise<Map<string, unknown>>;
  }

  /** Resolves once every message sent so far was taken by the broker (or failed). */
  async posted(): Promise<void> {
    while (this.posting.size > 0) await Promise.all([...this.posting]);
  }

  /**
   * Stops the heartbeat, fails what still waits for an answer, and says goodbye once the answers
   * this node owes others are sent (at most `CLOSE_WAIT_MS` later): a node that heard the goodbye
   * gives up on this one, so it must not come before them.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const [id, p] of this.pending) this.settle(id, p, unavailable("this node is stopping"));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)));
    await Promise.race([Promise.all([...this.answering]), late]);
    clearTimeout(timer);
    if (this.timer !== undefined) this.fire(NODE_TOPIC_PREFIX + ALL_NODES, { k: ".bye", f: this.nodeId });
  }

  /** A message on one of the channel's topics (from the broker's `onMessage`). */
  receive(topic: string, data: string): void {
    let m: Envelope;
    try {
      m = JSON.parse(data) as Envelope;
    } catch {
      return;
    }
    if (typeof m !== "object" || m === null || typeof m.k !== "string" || typeof m.f !== "string") return;
    const self = m.f === this.nodeId;
    if (!self) this.heard(m);
    switch (m.k) {
      case ".hello":
      case ".bye":
        return;
      case ".reply":
        this.reply(m);
        return;
      case ".cancel":
        this.handling.get(`${m.f}:${m.a}`)?.abort();
        return;
    }
    // A node hears its own group messages and requests to all: they are for the others.
    if (self && (m.g !== undefined || m.q !== undefined)) return;
    const group = topic.startsWith(GROUP_TOPIC_PREFIX) ? m.g : undefined;
    this.handle(m, group);
  }

  private handle(m: Envelope, group: string | undefined): void {
    const handler = this.handlers.get(m.k);
    const q = m.q;
    if (q === undefined) {
      if (handler === undefined) return;
      try {
        const result = handler(m.b, { from: m.f, group, signal: undefined });
        if (result instanceof Promise) result.catch((err: unknown) => this.failed(m.k, err));
      } catch (err) {
        this.failed(m.k, err);
      }
      return;
    }
    const key = `${m.f}:${q}`;
    const controller = new AbortController();
    this.handling.set(key, controller);
    if (this.handling.size > MAX_HANDLING) this.handling.delete(this.handling.keys().next().value as string);
    const answering: Promise<void> = new Promise((resolve) => {
      if (handler === undefined) throw new Error(`no handler for ${m.k}`);
      resolve(handler(m.b, { from: m.f, group, signal: controller.signal }));
    })
      .then(
        (b) => ({ k: ".reply", f: this.nodeId, a: q, b }),
        (err: unknown) => {
          this.failed(m.k, err);
          return { k: ".reply", f: this.nodeId, a: q, x: err instanceof Error ? err.message : String(err) };
        },
      )
      .then((answer) => {
        this.handling.delete(key);
        this.answering.delete(answering);
        if (!controller.signal.aborted) this.fire(NODE_TOPIC_PREFIX + m.f, answer);
      });
    this.answering.add(answering);
  }

  private failed(kind: string, err: unknown): void {
    this.logger.warn({ err, kind }, "node channel handler failed");
  }

  private ask(
    node: string | undefined,
    kind: string,
    body: unknown,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<unknown> {
    if (this.closed) return Promise.reject(unavailable("this node is stopping"));
    if (this.pending.size >= MAX_PENDING) return Promise.reject(unavailable("too many requests waiting"));
    const owed = node === undefined ? new Set(this.members.keys()) : undefined;
    if (owed?.size === 0) return Promise.resolve(new Map());
    const id = ++this.lastId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.expire(id), timeoutMs);
      timer.unref();
      const answers = owed === undefined ? undefined : new Map<string, unknown>();
      this.pending.set(id, { resolve, reject, timer, node, owed, answers });
      if (node !== undefined)
        signal?.addEventListener("abort", () => {
          const p = this.pending.get(id);
          if (p === undefined) return;
          this.settle(id, p, unavailable("cancelled"));
          this.fire(NODE_TOPIC_PREFIX + node, { k: ".cancel", f: this.nodeId, a: id });
        });
      this.post(NODE_TOPIC_PREFIX + (node ?? ALL_NODES), { k: kind, f: this.nodeId, b: body, q: id }).catch((err) =>
        this.settle(id, this.pending.get(id), err as Error),
      );
    });
  }

  private reply(m: Envelope): void {
    const id = m.a as number;
    const p = this.pending.get(id);
    if (p === undefined) return;
    if (p.owed === undefined) {
      if (m.f === p.node) this.settle(id, p, m.x === undefined ? undefined : unavailable(m.x), m.b);
      return;
    }
    if (!p.owed.delete(m.f)) return;
    if (m.x === undefined) p.answers?.set(m.f, m.b);
    if (p.owed.size === 0) this.settle(id, p, undefined, p.answers);
  }

  private expire(id: number): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    if (p.owed !== undefined) this.settle(id, p, undefined, p.answers);
    else this.settle(id, p, unavailable(`node ${p.node} did not answer in time`));
  }

  private settle(id: number, p: Pending | undefined, err: Error | undefined, value?: unknown): void {
    if (p === undefined || this.pending.get(id) !== p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (err === undefined) p.resolve(value);
    else p.reject(err);
  }

  /** Any message from another node: it is alive (and a new one hears from us at once). */
  private heard(m: Envelope): void {
    if (m.k === ".bye") {
      if (this.members.delete(m.f)) this.gone(m.f);
      return;
    }
    const known = this.members.has(m.f);
    this.members.set(m.f, Date.now());
    if (known) return;
    if (m.k === ".hello" && m.d === undefined && !this.closed)
      this.fire(NODE_TOPIC_PREFIX + m.f, { k: ".hello", f: this.nodeId, d: 1 });
    this.tell(this.joinListeners, m.f, "node joined listener failed");
  }

  private gone(node: string): void {
    for (const [id, p] of this.pending) {
      if (p.node === node) this.settle(id, p, unavailable(`node ${node} went away`));
      else if (p.owed?.delete(node) && p.owed.size === 0) this.settle(id, p, undefined, p.answers);
    }
    this.tell(this.goneListeners, node, "node gone listener failed");
  }

  /** Calls each of `listeners` with `node`; a throw is logged, and the others still run. */
  private tell(listeners: ReadonlyArray<(node: string) => void>, node: string, failure: string): void {
    for (const listener of listeners) {
      try {
        listener(node);
      } catch (err) {
        this.logger.error({ err, node }, failure);
      }
    }
  }

  private readonly tick = (): void => {
    this.fire(NODE_TOPIC_PREFIX + ALL_NODES, { k: ".hello", f: this.nodeId });
    const deadline = Date.now() - EXPIRY_MS;
    for (const [node, seen] of this.members)
      if (seen < deadline) {
        this.members.delete(node);
        this.gone(node);
      }
  };

  /** Hands `m` to the broker; the promise rejects when it could not (callers catch or return it). */
  private post(topic: string, m: Envelope): Promise<void> {
    const sent = this.broker.send(topic, JSON.stringify(m));
    const posting: Promise<void> = sent.then(noop, noop).finally(() => this.posting.delete(posting));
    this.posting.add(posting);
    return sent;
  }

  /** `post` for messages nobody waits on: a failure is logged. */
  private fire(topic: string, m: Envelope): void {
    this.post(topic, m).catch((err: unknown) =>
      this.logger.warn({ err, topic, kind: m.k }, "node channel send failed"),
    );
  }
}

function noop(): void {}

function unavailable(reason: string): DashwireError {
  return new DashwireError(ErrorCode.BrokerUnavailable, `node channel: ${reason}`);
}
