import type { ProtocolName } from "../protocols/wire-protocol.js";
import { EioPollLink } from "./eio-poll-link.js";
import type { Link, LinkSink, LinkTarget, TransportName } from "./link.js";
import { PollLink } from "./poll-link.js";
import { SseLink } from "./sse-link.js";
import { WsLink } from "./ws-link.js";

export { hostPort, type Link, type LinkSink, type LinkTarget, TRANSPORT_NAMES, type TransportName } from "./link.js";

/** Creates links of one kind. */
export type LinkFactory = (target: LinkTarget, sink: LinkSink) => Link;

const ws: LinkFactory = (target, sink) => new WsLink(target, sink);
const sse: LinkFactory = (target, sink) => new SseLink(target, sink);
const poll: LinkFactory = (target, sink) => new PollLink(target, sink);
const eioPoll: LinkFactory = (target, sink) => new EioPollLink(target, sink);

/**
 * The link factory for a protocol over a transport, or undefined when the target does not
 * offer that transport (plain WebSocket servers have no HTTP fallback; Socket.IO has no SSE).
 */
export function linkFactory(protocol: ProtocolName, transport: TransportName): LinkFactory | undefined {
  if (transport === "websocket") return ws;
  if (protocol === "dashwire") return transport === "sse" ? sse : poll;
  if (protocol === "socketio" && transport === "polling") return eioPoll;
  return undefined;
}
