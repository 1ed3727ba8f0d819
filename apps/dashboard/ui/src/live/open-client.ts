import { connect } from "@dashwire/client";
import type { LiveClient } from "./live-client.js";
import { TopicMux } from "./topic-mux.js";

/** Connects to the dashwire server at `url` (ws: or wss:) and adapts the SDK to `LiveClient`. */
export function openLiveClient(url: string): LiveClient {
  const client = connect(url);
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
    subscribe: (topic, handler, opts = {}) => mux.subscribe(topic, handler, opts),
    presence: (topic) => client.presence(topic),
    close: () => client.close(),
  };
}
