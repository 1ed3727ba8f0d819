/**
 * `GET /api/v1/auth`: what the presented key (or none) may do, for the UI's sign-in. 200
 * `{ keys, scopes, readNeedsKey }` when the client may read; 401 for an unknown key or a missing
 * one where reads need a key; 403 for a key without the read scope there.
 */
import { type ApiKeys, requestKey, type Scope } from "../auth/api-keys.js";
import { sendJson } from "../http/respond.js";
import type { Router } from "../http/router.js";

/** The answer of `GET /api/v1/auth`. */
export interface AuthInfo {
  /** API keys are configured (else everything is open). */
  keys: boolean;
  /** What the presented key may do (empty without one). */
  scopes: Scope[];
  /** Reads need a key (`--no-public-read`). */
  readNeedsKey: boolean;
}

/** Registers the auth route. */
export function authRoutes(router: Router, keys: ApiKeys): void {
  router.add("GET", "/api/v1/auth", (req, res) => {
    const scopes = keys.require(requestKey(req), "read");
    const info: AuthInfo = { keys: keys.enabled, scopes: [...(scopes ?? [])], readNeedsKey: keys.needsKey("read") };
    sendJson(res, 200, info);
  });
}
