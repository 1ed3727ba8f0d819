import { isUtf8 } from "node:buffer";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  BINARY_BODY_TYPE,
  BINARY_FRAME_HEADER_MAX,
  BinaryBodyError,
  CloseCode,
  ErrorCode,
  type Frame,
  MAX_ERROR_MESSAGE_BYTES,
  splitBinaryFrames,
  truncateUtf8,
} from "@dashwire/protocol";
import { closeReason } from "../edge.js";
import { type PollResponder, PollingTransport } from "./polling-transport.js";
import type { Transport } from "./transport.js";
import { type HttpTransport, type HttpTransportEntry, transportsOpenedBy } from "./transport-registry.js";

/** What the HTTP transports need from the server. */
export interface HttpTransportHost {
  /** Close code refusing this request, or undefined to admit it. */
  admit(req: IncomingMessage): number | undefined;
  /** Opens a session on an admitted transport. */
  open(transport: Transport, req: IncomingMessage, query: URLSearchParams): void;
  /** The codec `?codec=` names, or why it is refused (close code 4507). */
  codecFor(name: string | null, binaryFrames: boolean, transport: string): unknown;
  originAllowed(req: IncomingMessage): boolean;
  /** Whether the request's `Host` is allowed (DNS-rebinding defense). */
  hostAllowed(req: IncomingMessage): boolean;
  newSessionId(): string;
  /** Largest inbound frame in bytes. */
  readonly frameBytes: number;
  /** This node's id: the prefix of the transport ids it issues. */
  readonly nodeId: string;
  /** Carries requests for transports homed on other nodes (absent: single node). */
  readonly relay: TransportRelay | undefined;
  /** True once the server is stopping (clients told going away). */
  readonly closing: boolean;
}

/** Forwards transport requests to the node that holds the transport. */
export interface TransportRelay {
  send(home: string, tid: string, frame: Frame): void;
  close(home: string, tid: string): void;
  poll(home: string, tid: string, responder: PollResponder, seq?: number): void;
}

/** The node that issued a transport id (ids are `<node>.<random>`). */
export function homeOf(tid: string): string {
  const dot = tid.indexOf(".");
  return dot < 0 ? "" : tid.slice(0, dot);
}

/** An HTTP transport's entry with its name. */
type NamedEntry = HttpTransportEntry & { readonly name: string };

/**
 * Routes the HTTP transports under the server path:
 * - the request each HTTP transport of `serverTransports` opens with (no `tid`):
 *   `GET {path}/sse` opens an SSE stream (first event `tid` names the transport),
 *   `POST {path}/poll` a long-polling transport (answers `{"tid":"…"}`);
 * - `GET  {path}/poll?tid=…`    long-polls for frames;
 * - `POST {path}/send?tid=…`    delivers the client's frame (either transport), answers 204: one
 *                               text frame, or binary frames in a binary body (`BINARY_BODY_TYPE`);
 * - `POST {path}/close?tid=…`   closes the transport at once (page unload, upgrade), 204.
 * Cross-origin requests get CORS headers only for allowed origins.
 */
export class HttpTransports {
  private readonly live = new Map<string, HttpTransport>();
  private readonly forget = (t: HttpTransport): void => {
    if (this.live.get(t.id) === t) this.live.delete(t.id);
  };

  /** The HTTP transports served, by the request that opens one (`GET sse`, `POST poll`). */
  private readonly openers: Map<string, NamedEntry>;
  /** Routes under the server path served here: those that open a transport, `poll`, `send`, `close`. */
  private readonly routes: Set<string>;

  constructor(
    private readonly host: HttpTransportHost,
    /** The HTTP transports of `serverTransports` (a test may serve one of its own). */
    entries: readonly [name: string, entry: HttpTransportEntry][] = transportsOpenedBy("http"),
  ) {
    this.openers = new Map(entries.map(([name, e]) => [`${e.method} ${e.route}`, { name, ...e }]));
    this.routes = new Set([...this.openers.values()].map((e) => e.route).concat("poll", "send", "close"));
  }

  private newId(): string {
    return `${this.host.nodeId}.${this.host.newSessionId()}`;
  }

  /** Open HTTP transports. */
  get size(): number {
    return this.live.size;
  }

  /** Serves `route` (one that opens a transport of the registry, "poll", "send" or "close"); false when not ours. */
  handle(req: IncomingMessage, res: ServerResponse, route: string, query: URLSearchParams): boolean {
    if (!this.routes.has(route)) return false;
    if (!this.host.hostAllowed(req)) {
      req.resume();
      fail(res, 403, CloseCode.ForbiddenHost, "host not allowed");
      return true;
    }
    if (!this.host.originAllowed(req)) {
      fail(res, 403, CloseCode.ForbiddenOrigin, "origin not allowed");
      return true;
    }
    const cors = corsHeaders(req);
    // A stopping node answers on a connection that then closes: the client's next request opens
    // a new one, which reaches a node still serving (Node keeps a busy keep-alive connection
    // serving after its server stopped listening).
    if (this.host.closing) res.setHeader("connection", "close");
    if (req.method === "OPTIONS") {
      res.writeHead(204, {
        ...cors,
        "access-control-allow-methods": "GET, POST",
        "access-control-allow-headers": "content-type, authorization, last-event-id",
        "access-control-max-age": "600",
      });
      res.end();
      return true;
    }
    const tid = query.get("tid");
    const opener = tid === null ? this.openers.get(`${req.method} ${route}`) : undefined;
    if (opener !== undefined) this.open(opener, req, res, query, cors);
    else if (route === "poll" && req.method === "GET" && tid !== null) {
      const responder = localResponder(res, cors);
      const home = homeOf(tid);
      const seq = pollSeq(query.get("seq"));
      if (home !== "" && home !== this.host.nodeId && this.host.relay !== undefined)
        this.host.relay.poll(home, tid, responder, seq);
      else if (!this.poll(tid, responder, seq)) responder.respond(GONE);
    } else if (route === "send" && req.method === "POST" && tid !== null) this.receive(req, res, tid, cors);
    else if (route === "close" && req.method === "POST" && tid !== null) {
      req.resume();
      const home = homeOf(tid);
      if (home !== "" && home !== this.host.nodeId && this.host.relay !== undefined) this.host.relay.close(home, tid);
      else if (!this.end(tid)) {
        fail(res, 404, CloseCode.Normal, "unknown or closed transport", cors);
        return true;
      }
      res.writeHead(204, cors);
      res.end();
    } else fail(res, 405, CloseCode.ProtocolError, "method not allowed", cors);
    return true;
  }

  /** Opens the transport of `entry` after admission; a refusal is answered with its close code. */
  private open(
    entry: NamedEntry,
    req: IncomingMessage,
    res: ServerResponse,
    query: URLSearchParams,
    cors: Record<string, string>,
  ): void {
    const refused = this.host.admit(req);
    if (refused !== undefined) {
      fail(res, refusalStatus(refused), refused, closeReason(refused), cors);
      return;
    }
    // Refused before a transport exists: an unknown codec. Binary codecs are served (issue 19):
    // polling in binary bodies, SSE as base64 text.
    const codec = this.host.codecFor(query.get("codec"), true, entry.name);
    if (typeof codec === "string") {
      fail(res, 400, CloseCode.UnsupportedCodec, codec, cors);
      return;
    }
    const t = entry.create(this.newId(), res, this.forget, cors);
    this.live.set(t.id, t);
    this.host.open(t, req, query);
    entry.opened?.(t, res, cors);
  }

  /**
   * Answers a poll for a transport of this node (`seq`: answers its client has received, see
   * `PollingTransport.poll`); false when there is no such transport or the count is wrong.
   */
  poll(tid: string, responder: PollResponder, seq?: number): boolean {
    const t = this.live.get(tid);
    return t instanceof PollingTransport && t.poll(responder, seq);
  }

  /** Closes a transport of this node at its client's request; false when there is none. */
  end(tid: string): boolean {
    const t = this.live.get(tid);
    if (t === undefined) return false;
    t.close(CloseCode.Normal, "closed by client");
    return true;
  }

  /** Delivers a frame to a transport of this node; false when there is no such transport. */
  deliver(tid: string, frame: Frame): boolean {
    const t = this.live.get(tid);
    if (t === undefined) return false;
    t.receive(frame);
    return true;
  }

  private receive(req: IncomingMessage, res: ServerResponse, tid: string, cors: Record<string, string>): void {
    const home = homeOf(tid);
    const remote = home !== "" && home !== this.host.nodeId && this.host.relay !== undefined;
    const t = remote ? undefined : this.live.get(tid);
    if (!remote && t === undefined) {
      req.resume();
      fail(res, 404, CloseCode.Normal, "unknown or closed transport", cors);
      return;
    }
    if (req.readableEnded) {
      // A framework read the body first (a body parser, Fastify's content-type parsers): there is
      // nothing left to read and no `end` to wait for. Say so instead of hanging.
      fail(res, 500, ErrorCode.Internal, BODY_ALREADY_READ, cors);
      return;
    }
    // A binary body is the frames behind their length headers (one frame per POST from the SDK).
    const binary = req.headers["content-type"]?.toLowerCase().startsWith(BINARY_BODY_TYPE) === true;
    const limit = this.host.frameBytes + (binary ? BINARY_FRAME_HEADER_MAX : 0);
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        fail(res, 413, CloseCode.MessageTooBig, `frame larger than ${limit} bytes`, cors);
        t?.close(CloseCode.MessageTooBig, "frame too large");
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (over) return;
      const bytes = Buffer.concat(chunks);
      const frames = binary ? this.binaryFrames(bytes, res, cors, t) : textFrame(bytes, res, cors);
      if (frames === undefined) return;
      res.writeHead(204, cors);
      res.end();
      for (const frame of frames) {
        if (t !== undefined) t.receive(frame);
        else this.host.relay?.send(home, tid, frame);
      }
    });
    req.on("error", () => {
      over = true;
    });
  }

  /**
   * The frames of a binary POST body, or undefined when it is malformed (400 BadFrame) or holds a
   * frame over the limit (413, and the transport closes 1009 as for an oversized text body).
   */
  private binaryFrames(
    bytes: Buffer,
    res: ServerResponse,
    cors: Record<string, string>,
    t: HttpTransport | undefined,
  ): Uint8Array[] | undefined {
    try {
      return splitBinaryFrames(bytes, this.host.frameBytes);
    } catch (error) {
      if (!(error instanceof BinaryBodyError)) throw error;
      const tooBig = error.code === CloseCode.MessageTooBig;
      fail(res, tooBig ? 413 : 400, error.code, error.message, cors);
      if (tooBig) t?.close(CloseCode.MessageTooBig, "frame too large");
      return undefined;
    }
  }
}

/** The one text frame of a POST body, or undefined (answered 400) when it is not UTF-8. */
function textFrame(bytes: Buffer, res: ServerResponse, cors: Record<string, string>): string[] | undefined {
  // Frames are UTF-8 JSON: bad bytes decoded to U+FFFD would make different inputs one text.
  if (isUtf8(bytes)) return [bytes.toString()];
  fail(res, 400, ErrorCode.BadFrame, "frame is not valid UTF-8", cors);
  return undefined;
}

/** Why a `send` whose body another handler already read is refused. */
export const BODY_ALREADY_READ =
  "the request body was already read by another handler: mount dashwire before body parsers (docs/frameworks.md)";

/** The `seq` of a poll (answers its client has received), or undefined when absent or not a count. */
export function pollSeq(text: string | null | undefined): number | undefined {
  if (typeof text !== "string" || !/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}

/** Body of a poll answered for a transport that is gone (closed or unknown). */
export const GONE = "\u0000gone";

/** Answers a poll on this node's HTTP response; `GONE` becomes a 404 with a close code. */
function localResponder(res: ServerResponse, cors: Record<string, string>): PollResponder {
  return {
    respond(body) {
      if (body === GONE) fail(res, 404, CloseCode.Normal, "unknown or closed transport", cors);
      else if (typeof body !== "string") {
        res.writeHead(200, { "content-type": BINARY_BODY_TYPE, "cache-control": "no-store", ...cors });
        res.end(body);
      } else {
        res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...cors });
        res.end(body);
      }
    },
    onAbort(listener) {
      res.on("close", () => {
        if (!res.writableEnded) listener();
      });
    },
  };
}

function corsHeaders(req: IncomingMessage): Record<string, string> {
  const origin = req.headers.origin;
  if (origin === undefined) return {};
  return { "access-control-allow-origin": origin, "access-control-allow-credentials": "true", vary: "origin" };
}

function refusalStatus(code: number): number {
  if (code === CloseCode.ForbiddenOrigin || code === CloseCode.ForbiddenHost) return 403;
  if (code === CloseCode.TooManyConnections || code === CloseCode.ConnectingTooFast) return 429;
  return 503;
}

function fail(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
  res.end(JSON.stringify({ error: { code, message: truncateUtf8(message, MAX_ERROR_MESSAGE_BYTES) } }));
}
