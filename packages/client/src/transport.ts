/**
 * The client-side transport seam (engine.io's split): a transport moves frames and knows
 * nothing of topics or events. A new transport is a new file implementing `ClientTransport` plus
 * one line in `transport-registry.ts`; every transport runs the same contract suite
 * (`packages/server/test/transport-contract.test.ts`).
 */
import type { Codec, Frame } from "@dashwire/protocol";
import type { Scheduler } from "./timer.js";

/** Names of the transports this SDK ships, in `options.transports`. */
export type TransportName = "websocket" | "sse" | "polling";

/** Callbacks a transport reports to; called only for closes the transport did not get from `close()`. */
export interface TransportHandlers {
  /** The transport can carry frames now. */
  onOpen(): void;
  /** One frame arrived from the server (bytes: a WebSocket binary frame). */
  onFrame(frame: Frame): void;
  /** The transport can take frames again after `send` returned false. */
  onDrain(): void;
  /** The transport closed on its own (network, server); never called after `close()`. */
  onClose(code: number, reason: string): void;
}

/** One connection attempt's way of moving frames. */
export interface ClientTransport {
  /** Which transport this is, e.g. "websocket". */
  readonly name: TransportName;
  /** Starts connecting to `url` (the `ws(s)://` endpoint); progress is reported to `handlers`. */
  open(url: string, handlers: TransportHandlers): void;
  /**
   * Sends one frame; frames sent before `onOpen` or after a close are dropped. Returns false when
   * the transport is busy (an HTTP POST in flight): the caller holds further messages and batches
   * them until `onDrain`. A frame given while busy is still sent, in order.
   */
  send(frame: Frame): boolean;
  /** Closes without reporting `onClose` (the caller already knows). */
  close(code: number, reason: string): void;
}

/**
 * The part of the WebSocket API the client uses. Both the browser's `WebSocket` and the `ws`
 * package fit it without casts; handler parameters are `never` so either's event types fit.
 */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor (`globalThis.WebSocket` or `ws`). */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** The part of `fetch` the HTTP transports use (the browser's, Node 20's, or a wrapper). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** Platform constructors a transport may need, injectable so one SDK runs in browsers and Node. */
export interface TransportEnv {
  /** WebSocket implementation (the browser's, or `ws` in Node). */
  WebSocket?: WebSocketConstructor;
  /** `fetch` for the HTTP transports; default `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Timers for the HTTP transports' own deadlines; default the platform's. */
  scheduler?: Scheduler;
  /** The connection's codec: a binary one's frames arrive on SSE as base64 text (issue 19). */
  codec?: Pick<Codec, "binary">;
}

/** Creates a transport for one connection attempt. */
export type TransportFactory = (env: TransportEnv) => ClientTransport;
