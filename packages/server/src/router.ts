import { type AppSchema, ErrorCode, type EventMessage, type SchemaLike } from "@dashwire/protocol";
import type { Logger } from "pino";
import type { Client } from "./client.js";
import { DashwireError, toWireError } from "./errors.js";
import type { Session } from "./session.js";
import type { ServerStats } from "./stats.js";

/** The default namespace's name. */
export const DEFAULT_NAMESPACE = "/";

/** What an event handler and event middleware see. */
export interface EventContext<S extends SchemaLike = AppSchema> {
  /** The client that sent the event (its `emit` typed by the app schema's `serverEvents`). */
  client: Client<S>;
  /** Namespace name ("/" for the default). */
  ns: string;
  /** Event name. */
  event: string;
  /** Event payload (middleware may replace it). */
  data: unknown;
}

/** Handles one event; the return value is the ack reply, a thrown `DashwireError` a coded error. */
export type EventHandler<D = unknown, R = unknown, S extends SchemaLike = AppSchema> = (
  data: D,
  ctx: EventContext<S>,
) => R | Promise<R>;

/** Runs around handlers of a namespace (Koa style): call `next()` to continue, throw to refuse. */
export type EventMiddleware = (ctx: EventContext, next: () => Promise<unknown>) => unknown;

/** A set of event handlers with their own middleware, e.g. `server.namespace("admin")`. */
export class Namespace {
  /** Handlers by event name. */
  readonly handlers = new Map<string, EventHandler>();
  /** Middleware in registration order. */
  readonly middleware: EventMiddleware[] = [];

  constructor(readonly name: string) {}

  /** Registers the handler of `event` (one per event; a second call replaces it). */
  on<D = unknown, R = unknown>(event: string, handler: EventHandler<D, R>): this {
    this.handlers.set(event, handler as EventHandler);
    return this;
  }

  /** Adds event middleware for this namespace. */
  use(middleware: EventMiddleware): this {
    this.middleware.push(middleware);
    return this;
  }
}

/** What the router needs from its server. */
export interface RouterHost {
  readonly options: { readonly limits: { readonly pendingAcks: number } };
  readonly stats: ServerStats;
  readonly logger: Logger;
}

/** Dispatches client events to namespace handlers and replies with acks. */
export class Router {
  private readonly namespaces = new Map<string, Namespace>();

  constructor(private readonly core: RouterHost) {
    this.namespaces.set(DEFAULT_NAMESPACE, new Namespace(DEFAULT_NAMESPACE));
  }

  /** Gets or creates a namespace. */
  namespace(name: string): Namespace {
    let ns = this.namespaces.get(name);
    if (ns === undefined) {
      ns = new Namespace(name);
      this.namespaces.set(name, ns);
    }
    return ns;
  }

  /** Runs the handler of one event message. Never throws; every outcome is a reply. */
  dispatch(session: Session, msg: EventMessage): void {
    const nsName = msg.ns ?? DEFAULT_NAMESPACE;
    const ns = this.namespaces.get(nsName);
    const handler = ns?.handlers.get(msg.event);
    if (ns === undefined || handler === undefined) {
      session.replyError(msg.id, { code: ErrorCode.UnknownEvent, message: `no handler for ${nsName}:${msg.event}` });
      return;
    }
    const limit = this.core.options.limits.pendingAcks;
    if (session.pendingAcks >= limit) {
      this.core.stats.limit("pendingAcks");
      session.replyError(msg.id, { code: ErrorCode.TooManyPendingAcks, message: `at most ${limit} events in flight` });
      return;
    }
    const ctx: EventContext = { client: session, ns: nsName, event: msg.event, data: msg.data };
    session.ackOpened();
    let result: unknown;
    try {
      result = ns.middleware.length === 0 ? handler(ctx.data, ctx) : compose(ns.middleware, handler, ctx);
    } catch (err) {
      this.fail(session, msg, err);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (value) => this.succeed(session, msg, value),
        (err: unknown) => this.fail(session, msg, err),
      );
    } else this.succeed(session, msg, result);
  }

  private succeed(session: Session, msg: EventMessage, value: unknown): void {
    session.ackSettled();
    session.reply(msg.id, value ?? null);
  }

  private fail(session: Session, msg: EventMessage, err: unknown): void {
    session.ackSettled();
    if (!(err instanceof DashwireError)) this.core.logger.error({ err, event: msg.event }, "event handler failed");
    session.replyError(msg.id, toWireError(err));
  }
}

function compose(middleware: EventMiddleware[], handler: EventHandler, ctx: EventContext): Promise<unknown> {
  const run = (i: number): Promise<unknown> => {
    const mw = middleware[i];
    if (mw === undefined) return Promise.resolve(handler(ctx.data, ctx));
    let called = false;
    return Promise.resolve(
      mw(ctx, () => {
        if (called) return Promise.reject(new DashwireError(ErrorCode.Internal, "next() called twice"));
        called = true;
        return run(i + 1);
      }),
    );
  };
  return run(0);
}
