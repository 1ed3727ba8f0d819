/**
 * @dashwire/client/node: the same API as `@dashwire/client`, with the `ws` package as the
 * WebSocket implementation (Node 20 has no global WebSocket). `ws` is an optional peer dependency.
 */
import type { AppSchema, SchemaLike } from "@dashwire/protocol";
import WebSocket from "ws";
import type { Client } from "./client.js";
import { connect as connectWith } from "./connect.js";
import type { ClientOptions } from "./options.js";

export * from "./index.js";

/** `connect` from `@dashwire/client` with `ws` injected (an explicit `options.WebSocket` still wins). */
export function connect<S extends SchemaLike = AppSchema>(url: string, options: ClientOptions = {}): Client<S> {
  return connectWith<S>(url, { WebSocket, ...options });
}
