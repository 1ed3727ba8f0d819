import { CloseCode, MAX_CLOSE_REASON_BYTES, truncateUtf8 } from "@dashwire/protocol";
import type { Client } from "./client.js";

/** A disconnect every node runs on its own clients (sent to all nodes on the node channel). */
export interface DisconnectCommand {
  /** The user whose connections close. */
  user: string;
  /** Only this connection (session id) of the user. */
  client?: string;
  /** Close code and reason (at most 123 bytes: the WebSocket limit). */
  code: number;
  reason: string;
}

/** Options of `server.disconnectUser`. */
export interface DisconnectOptions {
  /** Only this connection (a session id, as in presence lists) of the user. */
  client?: string;
  /** Let the client reconnect (close 4009, e.g. to pick up new permissions); default: terminal (4506). */
  reconnect?: boolean;
  /** Reason shown to the client; cut to 123 bytes (the WebSocket close frame's limit). */
  reason?: string;
}

/** The broadcast command for `server.disconnectUser`. */
export function disconnectCommand(user: string, options: DisconnectOptions): DisconnectCommand {
  const command: DisconnectCommand = {
    user,
    code: options.reconnect ? CloseCode.ForceReconnect : CloseCode.ForceDisconnect,
    reason: truncateUtf8(options.reason ?? "disconnected by the server", MAX_CLOSE_REASON_BYTES),
  };
  if (options.client !== undefined) command.client = options.client;
  return command;
}

/** Runs a disconnect command on this node's clients; returns how many were closed. */
export function runDisconnect(clients: Iterable<Client>, command: DisconnectCommand): number {
  const matched: Client[] = [];
  for (const client of clients)
    if (client.user?.id === command.user && (command.client === undefined || client.id === command.client))
      matched.push(client);
  // Collected first: closing removes a client from the set being iterated.
  for (const client of matched) client.disconnect(command.code, command.reason);
  return matched.length;
}
