import {
  type AppSchema,
  CloseCode,
  type ConnectedMessage,
  ErrorCode,
  type EventData,
  type EventMessage,
  type EventName,
  type EventReply,
  type Frame,
  isValidEventName,
  isValidTopic,
  type PresenceInfo,
  type PublishMessage,
  type ServerEventData,
  type ServerEventName,
  type ServerMessage,
  type StreamPosition,
  type TopicData,
  type TopicName,
  type WireError,
} from "@dashwire/protocol";
import type { ClientEvents, ClientState } from "./client-events.js";
import { type AnswerHandler, Answers } from "./answers.js";
import { ClientSubscriptions } from "./client-subscriptions.js";
import { Connection } from "./connection.js";
import { Credentials } from "./credentials.js";
import { Emitter } from "./emitter.js";
import { DashwireClientError } from "./errors.js";
import { type ClientOptions, type ResolvedClientOptions, resolveClientOptions } from "./options.js";
import { type RequestSink, RequestTracker } from "./requests.js";
import type { PublicationInfo, SubscribeOptions, Subscription } from "./subscription.js";
import type { TransportName } from "./transport.js";
import { createTransportMemory } from "./transport-memory.js";
import { TransportPlan } from "./transport-plan.js";
import { usableTransports } from "./transport-registry.js";

/** Options of `client.emit`. */
export interface EmitOptions {
  /** Namespace of the event; the default namespace when absent. */
  ns?: string;
  /** Ack timeout for this call; `ackTimeoutMs` by default. */
  timeoutMs?: number;
}

/** Options of `client.publish`. */
export interface PublishOptions {
  /** Key for latest-value tracking and conflation. */
  key?: string;
  /** Bypass conflation and rate caps. */
  urgent?: boolean;
  /** Ack timeout for this call; `ackTimeoutMs` by default. */
  timeoutMs?: number;
}

/** Presence of a topic: `count` clients in all, `clients` the first (at most 1000) of them. */
export interface PresenceList {
  count: number;
  clients: PresenceInfo[];
}

/**
 * A dashwire client: one logical session that reconnects with backoff, resumes its subscriptions
 * without loss, and buffers requests while disconnected. Create it with `connect()`.
 */
export class Client<S = AppSchema> {
  private readonly events = new Emitter<ClientEvents>();
  private readonly options: ResolvedClientOptions;
  private readonly connection: Connection;
  private readonly requests: RequestTracker;
  private readonly subs: ClientSubscriptions;
  /** `onEvent` handlers by server event name (the same emitter as `on`'s, keyed by event). */
  private readonly serverEvents = new Emitter<Record<string, ServerEventHandler>>();
  private readonly credentials: Credentials;
  private readonly answers: Answers;
  private lastId = 0;

  constructor(url: string, options: ClientOptions = {}) {
    this.options = resolveClientOptions(options);
    try {
      new URL(url);
    } catch {
      throw new DashwireClientError(ErrorCode.InvalidField, `invalid URL ${JSON.stringify(url)}`);
    }
    const { scheduler } = this.options;
    const memory =
      this.options.rememberTransportMs > 0
        ? (this.options.transportMemory ??
          createTransportMemory(this.options.rememberTransportMs, () => scheduler.now()))
        : undefined;
    const plan = new TransportPlan(usableTransports(this.options), url, memory);
    const { token, getToken } = this.options;
    this.credentials = new Credentials(
      typeof token === "string" ? token : undefined,
      getToken ?? (typeof token === "function" ? token : undefined),
      { scheduler, refresh: () => this.refresh(), report: (error) => this.events.emit("error", error) },
    );
    this.connection = new Connection(
      withCodec(url, this.options.codec.name),
      this.options,
      this.events,
      {
        opened: () => this.subs.opened(),
        connected: (info) => this.connected(info),
        message: (m) => this.dispatch(m),
        lost: (code, reason, permanent) => this.lost(code, reason, permanent),
      },
      this.credentials,
      plan,
    );
    const connection = this.connection;
    const sink: RequestSink = {
      get ready() {
        return connection.ready;
      },
      send: (part) => connection.outbox.push(part),
    };
    this.requests = new RequestTracker(sink, scheduler, this.options.maxBufferedSends);
    this.subs = new ClientSubscriptions({
      options: this.options,
      events: this.events,
      sink,
      nextId: () => ++this.lastId,
    });
    this.answers = new Answers((m) => {
      if (this.connection.ready) this.connection.outbox.push(this.options.codec.encode(m));
    });
    // Deferred so listeners and subscriptions added right after connect() see the first attempt.
    queueMicrotask(() => this.connection.start());
  }

  /** Current connection state. */
  get state(): ClientState {
    return this.connection.state;
  }

  /** Name of the transport in use while connected. */
  get transport(): TransportName | undefined {
    return this.connection.transportName;
  }

  /** The server's handshake reply for the current connection (session, heartbeat, limits). */
  get info(): ConnectedMessage | undefined {
    return this.connection.info;
  }

  /** Requests waiting to be sent (while disconnected, or behind the in-flight limit). */
  get bufferedSends(): number {
    return this.requests.bufferedCount;
  }

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof ClientEvents>(event: K, listener: ClientEvents[K]): () => void {
    return this.events.on(event, listener);
  }

  /** Adds a listener that runs once. */
  once<K extends keyof ClientEvents>(event: K, listener: ClientEvents[K]): () => void {
    return this.events.once(event, listener);
  }

  /** Removes a listener. */
  off<K extends keyof ClientEvents>(event: K, listener: ClientEvents[K]): void {
    this.events.off(event, listener);
  }

  /** Handles server event `event` (any namespace); returns a function that removes the handler. */
  onEvent<K extends ServerEventName<S>>(
    event: K,
    handler: (data: ServerEventData<S, K>, ns: string | undefined) => void,
  ): () => void {
    return this.serverEvents.on(event, handler as ServerEventHandler);
  }

  /**
   * Answers server requests `event` (`client.emitWithAck` on the server): the handler's return
   * value (or promise) is the answer, a thrown `DashwireClientError` a coded refusal. One handler
   * per event; returns a function that removes it.
   */
  handle<K extends ServerEventName<S>>(event: K, handler: AnswerHandler<ServerEventData<S, K>>): () => void {
    return this.answers.handle(event, handler as AnswerHandler<never>);
  }

  /**
   * Subscribes to `topic`; `handler` gets each publication's data. Throws `DashwireClientError`
   * for an invalid topic or options, a topic already subscribed, or a closed client.
   */
  subscribe<K extends TopicName<S>>(
    topic: K,
    handler: (data: TopicData<S, K>, pub: PublicationInfo) => void,
    options: SubscribeOptions = {},
  ): Subscription<TopicData<S, K>> {
    if (this.connection.state === "disconnected")
      throw new DashwireClientError(ErrorCode.Disconnected, "client is closed");
    return this.subs.add(topic, handler, options);
  }

  /** The live subscription on `topic`, if any. */
  subscription(topic: string): Subscription | undefined {
    return this.subs.get(topic);
  }

  /** Sends `event` to the server's handler; resolves with the handler's reply. */
  emit<K extends EventName<S>>(event: K, data: EventData<S, K>, options: EmitOptions = {}): Promise<EventReply<S, K>> {
    if (!isValidEventName(event))
      return rejected(ErrorCode.InvalidField, `invalid event name ${JSON.stringify(event)}`);
    if (options.ns !== undefined && !isValidEventName(options.ns))
      return rejected(ErrorCode.InvalidField, `invalid namespace ${JSON.stringify(options.ns)}`);
    const id = ++this.lastId;
    const m: EventMessage = { t: "evt", id, event, data };
    if (options.ns !== undefined) m.ns = options.ns;
    return this.request(id, m, options.timeoutMs) as Promise<EventReply<S, K>>;
  }

  /** Publishes to `topic` (the server must allow client publishing there); resolves with its position. */
  publish<K extends TopicName<S>>(
    topic: K,
    data: TopicData<S, K>,
    options: PublishOptions = {},
  ): Promise<StreamPosition> {
    if (!isValidTopic(topic)) return rejected(ErrorCode.InvalidTopic, `invalid topic ${JSON.stringify(topic)}`);
    const id = ++this.lastId;
    // `data` is required on the wire and JSON drops `undefined`: send null instead.
    const m: PublishMessage = { t: "pub", id, topic, data: data === undefined ? null : data };
    if (options.key !== undefined) m.key = options.key;
    if (options.urgent) m.urgent = true;
    return this.request(id, m, options.timeoutMs) as Promise<StreamPosition>;
  }

  /** Who is on `topic` now (presence must be enabled for the topic on the server). */
  presence(topic: string, options: { timeoutMs?: number } = {}): Promise<PresenceList> {
    if (!isValidTopic(topic)) return rejected(ErrorCode.InvalidTopic, `invalid topic ${JSON.stringify(topic)}`);
    const id = ++this.lastId;
    return this.request(id, { t: "presence", id, topic }, options.timeoutMs).then((data) => {
      const list = data as Partial<PresenceList> | undefined;
      const clients = Array.isArray(list?.clients) ? list.clients : [];
      return { count: typeof list?.count === "number" ? list.count : clients.length, clients };
    });
  }

  /**
   * Replaces the connection's credentials without reconnecting: with `token`, or one from
   * `getToken` when omitted. A string `token` option is replaced too, for later reconnects;
   * `getToken` is still called at each connect. While disconnected it only stores the token.
   */
  async refresh(token?: string): Promise<void> {
    const fresh = token ?? (await this.credentials.fresh());
    if (!this.connection.ready) {
      this.credentials.replace(fresh);
      return;
    }
    const id = ++this.lastId;
    const data = await this.request(id, { t: "refresh", id, token: fresh });
    const ttl = (data as { ttl?: unknown } | undefined)?.ttl;
    this.credentials.renewed(fresh, typeof ttl === "number" ? ttl : undefined);
  }

  /** Closes for good: no reconnect; pending requests and `ready` promises reject with `Disconnected`. */
  close(): void {
    this.connection.close(CloseCode.Normal, "client closed");
  }

  private request(id: number, message: object, timeoutMs?: number): Promise<unknown> {
    if (this.connection.state === "disconnected") return rejected(ErrorCode.Disconnected, "client is closed");
    let part: Frame;
    try {
      part = this.options.codec.encode(message);
    } catch (error) {
      return rejected(ErrorCode.InvalidField, `data cannot be encoded: ${(error as Error).message}`);
    }
    const ms = timeoutMs !== undefined && timeoutMs > 0 ? timeoutMs : this.options.ackTimeoutMs;
    return this.requests.request(id, part, ms);
  }

  /** A handshake completed: the server's limits, the renewal of credentials, what waited to be sent. */
  private connected(info: ConnectedMessage): void {
    const limits = info.limits;
    if (limits?.maxPendingAcks > 0) this.requests.maxPendingAcks = limits.maxPendingAcks;
    this.credentials.schedule(typeof info.ttl === "number" ? info.ttl : undefined);
    this.subs.connected(limits?.maxSubscriptions);
    this.requests.drain();
  }

  private lost(code: number, reason: string, permanent: boolean): void {
    this.credentials.stop();
    this.requests.failInflight(
      new DashwireClientError(ErrorCode.Disconnected, `connection lost before the reply (${code} ${reason})`),
    );
    if (!permanent) {
      this.subs.lost(undefined);
      return;
    }
    const error = new DashwireClientError(ErrorCode.Disconnected, `client disconnected (${code} ${reason})`, {
      code,
      reason,
    });
    this.requests.failAll(error);
    this.subs.lost(error);
  }

  /** Receive path: one switch per message, no closure per message. */
  private dispatch(m: ServerMessage): void {
    switch (m.t) {
      case "msg":
        this.subs.get(m.c)?.deliver(m);
        return;
      case "ack":
        this.settle(m.id, m.data, m.error);
        return;
      case "gap":
        this.subs.get(m.topic)?.gap(m);
        return;
      case "evt":
        if (typeof m.id === "number") this.answers.answer(m.id, m.event, m.data, m.ns);
        else {
          // The client's `event` listeners first, then the handlers of that event.
          this.events.emit("event", m.event, m.data, m.ns);
          this.serverEvents.emit(m.event, m.data as never, m.ns);
        }
        return;
      case "subscribed":
        this.subs.serverSubscribed(m);
        return;
      case "unsubscribed":
        this.subs.serverUnsubscribed(m.topic);
        return;
      case "join":
      case "leave":
        this.subs.get(m.topic)?.presence(m.t, m.who);
        return;
      case "err":
        if (m.id === undefined || !this.settle(m.id, undefined, m))
          this.events.emit("error", new DashwireClientError(m.code, m.message));
        return;
    }
  }

  /** Routes an ack (or an `err` with an id) to its request or subscription; false when unknown. */
  private settle(id: number, data: unknown, error: WireError | undefined): boolean {
    return this.requests.settle(id, data, error) || this.subs.settle(id, data, error);
  }
}

/** A handler of one server event (`client.onEvent`). */
type ServerEventHandler = (data: never, ns: string | undefined) => void;

function rejected<T>(code: number, message: string): Promise<T> {
  return Promise.reject(new DashwireClientError(code, message));
}

/** `url` asking for `codec` at connect (`?codec=`); JSON, the default, is not named. */
function withCodec(url: string, codec: string): string {
  if (codec === "json") return url;
  return `${url}${url.includes("?") ? "&" : "?"}codec=${encodeURIComponent(codec)}`;
}
