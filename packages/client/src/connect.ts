import { Client } from "./client.js";
import type { ClientOptions } from "./options.js";
import type { AppSchema, SchemaLike } from "@dashwire/protocol";

/**
 * Opens a dashwire connection (it connects on the next microtask, so subscriptions made right
 * away ride in the handshake frame). Pass a schema type for end-to-end typing: `connect<Schema>(url)`.
 */
export function connect<S extends SchemaLike = AppSchema>(url: string, options: ClientOptions = {}): Client<S> {
  return new Client<S>(url, options);
}
