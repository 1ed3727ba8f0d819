import type { ClientState, LiveClient } from "./live-client.js";

/** What the connection badge shows. */
export type ConnectionStatus = "connecting" | "connected" | "reconnecting" | "disconnected";

/**
 * Maps the SDK's states to what a user should read: the SDK says "connecting" both before the
 * first connect and while retrying after a drop; the badge tells them apart ("reconnecting").
 * "disconnected" is the SDK's "for good" (a terminal close code, or closed by the page).
 */
export function toStatus(state: ClientState, everConnected: boolean): ConnectionStatus {
  if (state === "connected" || state === "disconnected") return state;
  return everConnected ? "reconnecting" : "connecting";
}

/** The page's one live connection and the status its badge shows. */
export class Connection {
  readonly client: LiveClient;
  status: ConnectionStatus;
  private everConnected = false;
  private readonly statusListeners = new Set<(s: ConnectionStatus) => void>();

  constructor(client: LiveClient) {
    this.client = client;
    this.status = toStatus(client.state, false);
    if (client.state === "connected") this.everConnected = true;
    client.onState((s) => this.update(s));
  }

  /** The transport in use ("websocket", "sse", "polling"), when connected. */
  get transport(): string | undefined {
    return this.client.transport;
  }

  /** Calls `cb` on every status change; returns a function that stops it. */
  onStatus(cb: (s: ConnectionStatus) => void): () => void {
    this.statusListeners.add(cb);
    return () => this.statusListeners.delete(cb);
  }

  private update(state: ClientState): void {
    if (state === "connected") this.everConnected = true;
    const next = toStatus(state, this.everConnected);
    this.status = next;
    for (const cb of [...this.statusListeners]) cb(next);
  }
}
