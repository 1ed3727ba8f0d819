/**
 * The API keys' scopes on the socket, so every read path enforces what HTTP does (issue 12,
 * item 5: with `--no-public-read`, an anonymous socket subscribed to `metrics:*` and received
 * snapshots and live values). The connect middleware records a connection's scopes; the topic
 * hooks check them on subscribe (which covers history, snapshots and live values) and presence.
 */
import type { IncomingMessage } from "node:http";
import {
  type Client,
  type ConnectContext,
  type ConnectMiddleware,
  DashwireError,
  ErrorCode,
  type TopicAccess,
} from "@dashwire/server";
import { type ApiKeys, requestKey, type Scope } from "./api-keys.js";

/** Where a connection's scopes are kept in `client.data`. */
const SCOPES_KEY = "scopes";

/** The scopes of a socket's key (undefined: no key), as `socketKeys` recorded them. */
export function clientScopes(client: Client): ReadonlySet<Scope> | undefined {
  const scopes = client.data[SCOPES_KEY];
  return scopes instanceof Set ? (scopes as ReadonlySet<Scope>) : undefined;
}

/**
 * Connect middleware: the connect token is an API key. An unknown key is refused (4500) and so
 * is a connection that could do nothing (reads need a key and it brought none with `read` or
 * `write`); others get their scopes recorded. On `refresh` the new key's scopes replace the old
 * ones, but a key without read access is refused while the connection holds subscriptions.
 */
export function socketKeys(keys: ApiKeys): ConnectMiddleware {
  return (ctx: ConnectContext) => {
    const token = ctx.token;
    const scopes = keys.scopesOf(token);
    if (token !== undefined && scopes === undefined && keys.enabled)
      throw new DashwireError(ErrorCode.Unauthorized, "unknown API key");
    const reads = keys.allows(scopes, "read");
    if (!reads && !keys.allows(scopes, "write"))
      throw new DashwireError(ErrorCode.Unauthorized, "API key required (connect token)");
    if (!reads && !ctx.client.topics().next().done)
      throw new DashwireError(ErrorCode.Forbidden, "this API key lacks the read scope the subscriptions need");
    ctx.client.data[SCOPES_KEY] = scopes;
  };
}

/** Topic hook (`canSubscribe`, `canPresence`): the connection's key may read. */
export function canRead(keys: ApiKeys): (access: TopicAccess) => boolean {
  return (access) => keys.allows(clientScopes(access.client), "read");
}

/** Throws a coded `DashwireError` unless the connection's key may use `scope` (socket events). */
export function requireSocketScope(keys: ApiKeys, client: Client, scope: Scope): void {
  if (keys.allows(clientScopes(client), scope)) return;
  if (clientScopes(client) === undefined)
    throw new DashwireError(ErrorCode.Unauthorized, "API key required (connect token)");
  throw new DashwireError(ErrorCode.Forbidden, `this API key lacks the ${scope} scope`);
}

/**
 * With `--private-metrics`: whether a request may read `/metrics`, `/api/v1/config` and the
 * details of `/healthz`. A key with the read scope is needed, even when reads are public.
 */
export function metricsReader(keys: ApiKeys, privateMetrics: boolean): (req: IncomingMessage) => boolean {
  if (!privateMetrics) return () => true;
  return (req) => {
    const scopes = keys.scopesOf(requestKey(req));
    return scopes !== undefined && (scopes.has("read") || scopes.has("admin"));
  };
}
