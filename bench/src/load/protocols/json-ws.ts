import type { WireProtocol } from "./wire-protocol.js";

/** Options of the plain WebSocket JSON protocol (ws and Django Channels peers). */
export interface JsonWsOptions {
  /** Path of the WebSocket endpoint. */
  path: string;
}

/**
 * Plain WebSocket with JSON text frames: the client sends the payload object; the server
 * broadcasts it to everybody as is. No handshake, no application heartbeat (WebSocket pings
 * are answered by `ws` itself), no HTTP fallback.
 */
export function createJsonWsProtocol(options: JsonWsOptions): WireProtocol {
  return {
    name: "json-ws",
    endpoint: (transport) => (transport === "websocket" ? options.path : undefined),
    opening: () => [],
    publishFrame(payload) {
      return payload;
    },
    control(frame, hadTags) {
      return hadTags ? undefined : `unexpected frame: ${frame.toString("utf8", 0, 120)}`;
    },
  };
}
