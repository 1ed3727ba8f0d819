import type { Client, ClientState, TransportName } from "@dashwire/client";

/** What `useConnectionState` returns. */
export interface ConnectionState {
  /** "connecting" (also while waiting to retry after a loss), "connected", or "disconnected" for good. */
  state: ClientState;
  /** The transport in use while connected. */
  transport: TransportName | undefined;
  /** Close code of the last change (1006 network failure, 4000 heartbeat timeout, 1001 server going away…); 0 before any. */
  code: number;
  /** Text of the last change's close reason. */
  reason: string;
}

/** The state shown while the provider has no client yet (its first render with `url`). */
export const noClientState: ConnectionState = Object.freeze({
  state: "connecting",
  transport: undefined,
  code: 0,
  reason: "",
});

/** One cached, frozen `ConnectionState` per client, replaced on its `state` and `transport` events. */
class ConnectionStore {
  private current: ConnectionState;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly client: Client) {
    this.current = Object.freeze({ state: client.state, transport: client.transport, code: 0, reason: "" });
    // Listens for the client's whole life: one listener per client, whatever the number of hooks.
    client.on("state", (state, { code, reason }) => this.set({ state, transport: client.transport, code, reason }));
    client.on("transport", (transport) => this.set({ ...this.current, transport: this.client.transport ?? transport }));
  }

  get state(): ConnectionState {
    return this.current;
  }

  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(next: ConnectionState): void {
    this.current = Object.freeze(next);
    for (const l of this.listeners) l();
  }
}

const stores = new WeakMap<Client, ConnectionStore>();

/** The connection store of `client` (created on first use). */
export function connectionStore(client: Client): ConnectionStore {
  let store = stores.get(client);
  if (store === undefined) stores.set(client, (store = new ConnectionStore(client)));
  return store;
}
