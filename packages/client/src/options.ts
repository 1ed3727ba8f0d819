import { type BackoffOptions, backoffDefaults, type Codec, ErrorCode, jsonCodec } from "@dashwire/protocol";
import { DashwireClientError } from "./errors.js";
import { realScheduler, type Scheduler } from "./timer.js";
import type { FetchLike, TransportName, WebSocketConstructor } from "./transport.js";
import type { TransportMemory } from "./transport-memory.js";
import { transportFactories } from "./transport-registry.js";

/** Returns the token for the next connect attempt (e.g. fetches a fresh JWT). */
export type TokenProvider = () => string | undefined | Promise<string | undefined>;

/** Options of `connect(url, options)`; every field is optional (see `clientDefaults`). */
export interface ClientOptions {
  /**
   * Credentials sent in `connect.token`. A string is static: once the server calls it expired
   * (4004) the client stops. A function works as `getToken`.
   */
  token?: string | TokenProvider;
  /**
   * Fresh credentials, called (and awaited) before every connect attempt and before every
   * renewal: the client renews ahead of the expiry the server announces, and after a 4004 it
   * reconnects with a new token (never with the one the server called expired).
   */
  getToken?: TokenProvider;
  /** Arbitrary data sent in `connect.data` for the server's connect middleware. */
  data?: unknown;
  /** WebSocket implementation; default `globalThis.WebSocket` (`@dashwire/client/node` passes `ws`). */
  WebSocket?: WebSocketConstructor;
  /** `fetch` for the SSE and long-polling transports; default `globalThis.fetch`. */
  fetch?: FetchLike;
  /**
   * Transports to use, in order of preference: the first is tried first and is the upgrade
   * target; one name forces that transport. Names the platform cannot run are skipped.
   */
  transports?: readonly TransportName[];
  /**
   * How long a transport may take from opening to the server's `connected` before the next one
   * in `transports` is tried (when one is left; the last waits `ackTimeoutMs`).
   */
  transportTimeoutMs?: number;
  /** Delays between background attempts to upgrade to the first transport, or `false` to stay put. */
  upgrade?: Partial<BackoffOptions> | false;
  /** How long the transport that worked is remembered per URL (0: not at all). */
  rememberTransportMs?: number;
  /** Where it is remembered; default `localStorage` when usable, else process memory. */
  transportMemory?: TransportMemory;
  /** How long a request (emit, publish, presence, refresh), a subscribe and the handshake wait for a reply. */
  ackTimeoutMs?: number;
  /** Reconnect delays, or `false` to never reconnect on its own. */
  reconnect?: Partial<BackoffOptions> | false;
  /** Requests kept while disconnected (sent in order after the handshake); past it they reject `BufferFull`. */
  maxBufferedSends?: number;
  /**
   * Frame codec, asked for at connect with `?codec=<name>` (the server must list it). Default
   * JSON; `msgpackCodec` from `@dashwire/client/msgpack` for binary frames, on every transport
   * (docs/client.md, Binary payloads).
   */
  codec?: Codec;
  /** Timers and clock; replace in tests. */
  scheduler?: Scheduler;
}

/** Options with every default applied. */
export interface ResolvedClientOptions {
  token: string | TokenProvider | undefined;
  getToken: TokenProvider | undefined;
  data: unknown;
  WebSocket: WebSocketConstructor | undefined;
  fetch: FetchLike | undefined;
  transports: readonly TransportName[];
  transportTimeoutMs: number;
  upgrade: Readonly<BackoffOptions> | false;
  rememberTransportMs: number;
  transportMemory: TransportMemory | undefined;
  ackTimeoutMs: number;
  reconnect: Readonly<BackoffOptions> | false;
  maxBufferedSends: number;
  codec: Codec;
  scheduler: Scheduler;
}

/** Defaults of `ClientOptions`. */
export const clientDefaults = {
  transports: ["websocket", "sse", "polling"] as readonly TransportName[],
  transportTimeoutMs: 5000,
  upgrade: { minDelayMs: 1000, maxDelayMs: 60_000, factor: 2 } as Readonly<BackoffOptions>,
  rememberTransportMs: 10 * 60_000,
  ackTimeoutMs: 10_000,
  reconnect: backoffDefaults,
  maxBufferedSends: 1000,
  codec: jsonCodec,
  scheduler: realScheduler,
} as const;

function invalid(message: string): DashwireClientError {
  return new DashwireClientError(ErrorCode.InvalidField, message);
}

function positive(name: string, v: number): number {
  if (!(typeof v === "number" && Number.isFinite(v) && v > 0)) throw invalid(`${name} must be a positive number`);
  return v;
}

/** Applies defaults and checks values; throws `DashwireClientError` (InvalidField) on bad ones. */
export function resolveClientOptions(options: ClientOptions = {}): ResolvedClientOptions {
  const codec = options.codec ?? clientDefaults.codec;
  const transports = options.transports ?? clientDefaults.transports;
  if (transports.length === 0) throw invalid("transports must name at least one transport");
  for (const name of transports)
    if (!Object.hasOwn(transportFactories, name)) throw invalid(`unknown transport ${JSON.stringify(name)}`);
  if (new Set(transports).size !== transports.length) throw invalid("transports must not repeat a name");
  const reconnect = resolveBackoff("reconnect", options.reconnect, clientDefaults.reconnect);
  const upgrade = resolveBackoff("upgrade", options.upgrade, clientDefaults.upgrade);
  const rememberTransportMs = options.rememberTransportMs ?? clientDefaults.rememberTransportMs;
  if (!(Number.isFinite(rememberTransportMs) && rememberTransportMs >= 0))
    throw invalid("rememberTransportMs must be a non-negative number");
  const maxBufferedSends = options.maxBufferedSends ?? clientDefaults.maxBufferedSends;
  if (!(Number.isSafeInteger(maxBufferedSends) && maxBufferedSends >= 0))
    throw invalid("maxBufferedSends must be a non-negative integer");
  if (options.getToken !== undefined && typeof options.getToken !== "function")
    throw invalid("getToken must be a function");
  if (options.getToken !== undefined && typeof options.token === "function")
    throw invalid("give getToken or a token function, not both");
  return {
    token: options.token,
    getToken: options.getToken,
    data: options.data,
    WebSocket: options.WebSocket,
    fetch: options.fetch,
    transports,
    transportTimeoutMs: positive("transportTimeoutMs", options.transportTimeoutMs ?? clientDefaults.transportTimeoutMs),
    upgrade,
    rememberTransportMs,
    transportMemory: options.transportMemory,
    ackTimeoutMs: positive("ackTimeoutMs", options.ackTimeoutMs ?? clientDefaults.ackTimeoutMs),
    reconnect,
    maxBufferedSends,
    codec,
    scheduler: options.scheduler ?? clientDefaults.scheduler,
  };
}

function resolveBackoff(
  name: string,
  given: Partial<BackoffOptions> | false | undefined,
  defaults: Readonly<BackoffOptions>,
): Readonly<BackoffOptions> | false {
  if (given === false) return false;
  const r = { ...defaults, ...given };
  positive(`${name}.minDelayMs`, r.minDelayMs);
  positive(`${name}.maxDelayMs`, r.maxDelayMs);
  if (r.maxDelayMs < r.minDelayMs) throw invalid(`${name}.maxDelayMs must be >= ${name}.minDelayMs`);
  if (!(r.factor >= 1)) throw invalid(`${name}.factor must be >= 1`);
  return r;
}
