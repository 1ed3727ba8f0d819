import type { WireProtocol } from "./wire-protocol.js";

/** The event name the Socket.IO peers use for metric updates. */
export const SOCKETIO_EVENT = "update";

const PING = 0x32; // engine.io packet type 2: ping
const MESSAGE = 0x34; // engine.io packet type 4: message
const CLOSE = 0x31; // engine.io packet type 1: close

/**
 * Socket.IO v5 over engine.io v4, over WebSocket only (what a client that skips polling does)
 * or HTTP long-polling only (a client that never upgrades): `0{...}` open → `40` connect →
 * `40{sid}`; events are `42["update",{...}]`; the server pings with `2` and wants `3` back.
 * Used for Socket.IO (Node) and Flask-SocketIO.
 */
export function createSocketIoProtocol(): WireProtocol {
  return {
    name: "socketio",
    endpoint(transport) {
      if (transport === "websocket") return "/socket.io/?EIO=4&transport=websocket";
      if (transport === "polling") return "/socket.io/?EIO=4&transport=polling";
      return undefined;
    },
    opening: () => [],
    step(frame, client) {
      const text = frame.toString("utf8");
      if (text.startsWith("40")) return true;
      if (text.startsWith("0{")) client.reply("40");
      else if (text === "2") client.reply("3");
      else if (text.startsWith("44")) throw new Error(`connect refused: ${text.slice(0, 200)}`);
      return false;
    },
    publishFrame(payload) {
      return `42["${SOCKETIO_EVENT}",${payload}]`;
    },
    control(frame, hadTags, client) {
      if (hadTags) return undefined;
      const type = frame[0];
      if (type === PING && frame.length === 1) {
        client.reply("3");
        return undefined;
      }
      if (type === MESSAGE && frame[1] === 0x34) return `socket.io error: ${frame.toString("utf8", 0, 200)}`;
      if (type === CLOSE) return "engine.io close packet";
      return undefined;
    },
  };
}
