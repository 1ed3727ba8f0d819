import type { ServerResponse } from "node:http";
import type { Frame } from "@dashwire/protocol";
import { PollingTransport } from "./polling-transport.js";
import { SseTransport } from "./sse-transport.js";
import type { Transport } from "./transport.js";
import { WebSocketAcceptor, type WebSocketAcceptorHost } from "./websocket-acceptor.js";

/** A transport of an HTTP request pair: its frames come up by `POST {path}/send?tid=…`, it ends by `POST {path}/close?tid=…`. */
export interface HttpTransport extends Transport {
  /** Transport id the client puts on its requests (`<node>.<random>`, see `homeOf`). */
  readonly id: string;
  /** A frame the client POSTed (text, or bytes from a binary body). */
  receive(frame: Frame): void;
}

/** A transport opened by an HTTP upgrade on the server path (WebSocket). */
export interface UpgradeTransportEntry {
  readonly opens: "upgrade";
  /** The `upgrade` listener for the HTTP servers; `alone` tells whether another listener shares them. */
  acceptor(host: WebSocketAcceptorHost, alone: () => boolean): UpgradeAcceptor;
}

/** Accepts the HTTP upgrades of one transport. */
export interface UpgradeAcceptor {
  /** The HTTP server's `upgrade` listener. */
  readonly onUpgrade: WebSocketAcceptor["onUpgrade"];
  /** Stops accepting. */
  close(): void;
}

/**
 * A transport opened by `method {path}/{route}` (no `tid`): SSE, long-polling. Before `create`,
 * `HttpTransports` checks Host and Origin, answers CORS, admits the connection and refuses a
 * codec the transport cannot carry, each with a coded error.
 */
export interface HttpTransportEntry {
  readonly opens: "http";
  readonly method: "GET" | "POST";
  readonly route: string;
  /**
   * The transport for an admitted request, with id `id`; `gone` once it closed. It owns `res`
   * (a stream answers on it), or leaves it to `opened`.
   */
  create(
    id: string,
    res: ServerResponse,
    gone: (t: HttpTransport) => void,
    cors: Record<string, string>,
  ): HttpTransport;
  /** Answers the opening request once the session is open on `t`, when `create` left `res` alone. */
  opened?(t: HttpTransport, res: ServerResponse, cors: Record<string, string>): void;
}

/** How one server transport is opened. */
export type ServerTransportEntry = UpgradeTransportEntry | HttpTransportEntry;

/**
 * Every transport the server serves, by the name its `Transport.name` and the client's
 * `options.transports` use (the client's registry is packages/client/src/transport-registry.ts).
 * A new transport is a file implementing `Transport` plus one line here; the contract suite
 * (packages/server/test/transport-contract.test.ts) runs over this list.
 */
export const serverTransports = {
  websocket: { opens: "upgrade", acceptor: (host, alone) => new WebSocketAcceptor(host, alone) },
  sse: {
    opens: "http",
    method: "GET",
    route: "sse",
    create: (id, res, gone, cors) => new SseTransport(id, res, gone, cors),
  },
  polling: {
    opens: "http",
    method: "POST",
    route: "poll",
    create: (id, _res, gone) => new PollingTransport(id, gone),
    opened(t, res, cors) {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store", ...cors });
      res.end(JSON.stringify({ tid: t.id }));
    },
  },
} as const satisfies Readonly<Record<string, ServerTransportEntry>>;

/** The name of a transport in `serverTransports`. */
export type ServerTransportName = keyof typeof serverTransports;

/** The entries of `serverTransports` opened as `opens`, with their names. */
export function transportsOpenedBy<K extends ServerTransportEntry["opens"]>(
  opens: K,
): [name: string, entry: Extract<ServerTransportEntry, { opens: K }>][] {
  const all: [string, ServerTransportEntry][] = Object.entries(serverTransports);
  return all.filter((e): e is [string, Extract<ServerTransportEntry, { opens: K }>] => e[1].opens === opens);
}
