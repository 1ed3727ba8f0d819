import { createDashwireProtocol } from "./dashwire.js";
import { createMsgpackDashwireProtocol } from "./dashwire-msgpack.js";
import { createJsonWsProtocol } from "./json-ws.js";
import { createSocketIoProtocol } from "./socketio.js";
import { DASHBOARD_TOPIC, type ProtocolName, type WireProtocol } from "./wire-protocol.js";

export type {
  ClientRole,
  ProtocolClient,
  ProtocolName,
  StreamPosition,
  WireProtocol,
} from "./wire-protocol.js";
export { DASHBOARD_TOPIC } from "./wire-protocol.js";

/** Creates the protocol client for a target: name, the endpoint path it serves, the topic. */
export function createProtocol(
  name: ProtocolName,
  path?: string,
  topic = DASHBOARD_TOPIC,
  codec: "json" | "msgpack" = "json",
): WireProtocol {
  switch (name) {
    case "dashwire":
      if (codec === "msgpack") return createMsgpackDashwireProtocol(path === undefined ? { topic } : { path, topic });
      return createDashwireProtocol(path === undefined ? { topic } : { path, topic });
    case "socketio":
      return createSocketIoProtocol();
    case "json-ws":
      return createJsonWsProtocol({ path: path ?? "/" });
  }
}
