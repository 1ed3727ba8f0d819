import { connect } from "@dashwire/client";
import { CloseCode } from "@dashwire/protocol";
import type { LiveClient } from "./live-client.js";
import { TopicMux } from "./topic-mux.js";

/**
 * Connects to the dashwire server at `url` (ws: or wss:) and adapts the SDK to `LiveClient`.
 * `token` (an API key) is the connect token.
 */
export function openLiveClient(url: string, token?: string): LiveClient {
  const client = connect(url, token === undefined ? {} : { token });
  const mux = new TopicMux(client);
  return {
    get state() {
      return client.state;
    },
    get transport() {
      return client.transport;
    },
    onState: (cb) => {
      // A background upgrade changes the transport while the state stays "connected".
      const offState = client.on("state", (s) => cb(s));
      const offTransport = client.on("transport", () => cb(client.state));
      return () => {
        offState();
        offTransport();
      };
    },
    onAuthRefused: (cb) =>
      client.on("state", (s, why) => {
        if (s === "disconnected" && why.code === CloseCode.Unauthorized) cb(why.reason);
      }),
    subscribe: (topic, handler, opts = {}) => mux.subscribe(topic, handler, opts),
    presence: (topic) => client.presence(topic),
    close: () => client.close(),
  };
}
