import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { WebSocketServer } from "ws";
import { closeReason, destroySocket, inTarpit, refuseUpgrade } from "../edge.js";
import type { Transport } from "./transport.js";
import { WebSocketTransport } from "./websocket-transport.js";

/** What accepting WebSocket upgrades needs from the server. */
export interface WebSocketAcceptorHost {
  readonly options: {
    /** The endpoint path (`/dashwire`): upgrades elsewhere are not ours. */
    readonly path: string;
    readonly limits: { readonly frameBytes: number; readonly transportHighWaterBytes: number };
  };
  readonly logger: Logger;
  /** A WebSocket upgrade within the per-address connection rate (else refused before the handshake). */
  takeRate(req: IncomingMessage): boolean;
  /** Close code refusing this connection, or undefined to admit it. */
  admit(req: IncomingMessage, rateTaken: boolean): number | undefined;
  /** Opens a session on an admitted transport. */
  open(transport: Transport, req: IncomingMessage, query: URLSearchParams): void;
}

/**
 * Accepts WebSocket upgrades on the server path: a connection loop is refused before the
 * handshake, as cheaply as possible; other refusals go out as a close code after the upgrade,
 * so clients learn why; an admitted socket becomes a `WebSocketTransport` and opens a session.
 */
export class WebSocketAcceptor {
  private readonly wss: WebSocketServer;

  constructor(
    private readonly host: WebSocketAcceptorHost,
    /** True when no other upgrade handler shares the HTTP servers: an upgrade elsewhere is refused. */
    private readonly alone: () => boolean,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: host.options.limits.frameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
  }

  /** The `upgrade` listener of an HTTP server. */
  readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (inTarpit(socket)) return;
    // Split by hand: `new URL` throws on targets like `//` (found by fuzzing).
    const target = req.url ?? "/";
    const q = target.indexOf("?");
    const pathname = q < 0 ? target : target.slice(0, q);
    const host = this.host;
    if (pathname !== host.options.path) {
      // Another upgrade handler on this server may want it; if we are alone, refuse.
      if (this.alone()) socket.destroy();
      return;
    }
    // A shared listener, not a closure: a closure here would share this scope's context and
    // keep `req` and `url` alive for the whole life of the connection (found in a heap snapshot).
    socket.on("error", destroySocket);
    if (!host.takeRate(req)) {
      refuseUpgrade(socket);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        socket.off("error", destroySocket);
        const transport = new WebSocketTransport(ws, socket, host.options.limits.transportHighWaterBytes);
        const refused = host.admit(req, true);
        if (refused === undefined) host.open(transport, req, new URLSearchParams(q < 0 ? "" : target.slice(q + 1)));
        else transport.close(refused, closeReason(refused));
      } catch (err) {
        host.logger.error({ err }, "opening a WebSocket connection failed");
        ws.terminate();
      }
    });
  };

  /** Stops accepting (connections already open are the sessions'). */
  close(): void {
    this.wss.close();
  }
}
