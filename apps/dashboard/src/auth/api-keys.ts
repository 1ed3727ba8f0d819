/**
 * API keys with scopes. With no key configured the API is open (the local-first default); with
 * keys, ingest needs `write`, dashboard changes need `admin`, and reads need `read` unless
 * `publicRead` is on (so the bundled UI keeps working for viewers). `admin` implies the others.
 *
 * Keys are given as `key:scope,scope` (`--api-key s3cret:write`, or `DASHWIRE_API_KEYS` with
 * several separated by spaces or `;`). Keys are compared in constant time, as SHA-256 digests (so
 * not even a key's length shows in the timing).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { ApiError, ApiErrorCode } from "../errors.js";

/** What a key may do. */
export type Scope = "read" | "write" | "admin";

/** One configured key. */
export interface ApiKey {
  key: string;
  scopes: Scope[];
}

const SCOPES: readonly Scope[] = ["read", "write", "admin"];

/** Parses `key:scope,scope`; throws a readable Error for a bad spec (bad config stops the start). */
export function parseApiKey(spec: string): ApiKey {
  const colon = spec.lastIndexOf(":");
  const key = colon < 0 ? spec : spec.slice(0, colon);
  const list = colon < 0 ? "write" : spec.slice(colon + 1);
  if (key.length < 8)
    throw new Error(`API key ${JSON.stringify(key.slice(0, 3))}…: keys must be at least 8 characters`);
  if (/\s/.test(key)) throw new Error("API key: keys must not contain spaces");
  const scopes = list.split(",").map((s) => s.trim());
  for (const s of scopes)
    if (!SCOPES.includes(s as Scope))
      throw new Error(`API key scope ${JSON.stringify(s)}: expected read, write or admin (key:scope,scope)`);
  return { key, scopes: scopes as Scope[] };
}

/** Parses a list as found in `DASHWIRE_API_KEYS`: specs separated by spaces or `;`. */
export function parseApiKeyList(text: string): ApiKey[] {
  return text
    .split(/[\s;]+/)
    .filter((s) => s !== "")
    .map(parseApiKey);
}

/** Reads the key from `Authorization: Bearer …` (or `Token …`, as InfluxDB clients send) or `X-API-Key`. */
export function requestKey(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === "string") {
    const m = /^(?:Bearer|Token)\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1];
  }
  const header = req.headers["x-api-key"];
  return typeof header === "string" && header !== "" ? header : undefined;
}

/** The configured keys and the checks routes run. */
export class ApiKeys {
  /** Each key as its SHA-256 digest: every comparison is of 32 bytes, whatever the lengths. */
  private readonly keys: Array<{ digest: Buffer; scopes: Set<Scope> }>;

  constructor(
    keys: readonly ApiKey[],
    /** Reads (query, series, dashboards GET) allowed without a key. */
    readonly publicRead = true,
  ) {
    this.keys = keys.map((k) => ({ digest: digest(k.key), scopes: new Set(k.scopes) }));
  }

  /** True when at least one key is configured. */
  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /** Scopes of a presented key; undefined when it is not a configured key. */
  scopesOf(presented: string | undefined): ReadonlySet<Scope> | undefined {
    if (presented === undefined) return undefined;
    const p = digest(presented);
    let found: Set<Scope> | undefined;
    // Compare with every key (no early exit) so timing tells neither which prefix matched nor,
    // digests being of one length, how long a key is.
    for (const k of this.keys) if (timingSafeEqual(k.digest, p)) found = k.scopes;
    return found;
  }

  /** True when `scope` needs a key: keys are configured, and for reads `publicRead` is off. */
  needsKey(scope: Scope): boolean {
    return this.enabled && !(scope === "read" && this.publicRead);
  }

  /**
   * The one rule of every path (HTTP routes, socket events, topic hooks): may a client holding
   * `scopes` (undefined: no key) use `scope`? `admin` implies the others.
   */
  allows(scopes: ReadonlySet<Scope> | undefined, scope: Scope): boolean {
    if (!this.needsKey(scope)) return true;
    return scopes !== undefined && (scopes.has(scope) || scopes.has("admin"));
  }

  /**
   * Throws 401/403 unless `presented` may use `scope`. A presented key that is not configured is
   * refused even where none is needed: a wrong credential is an error, never silently anonymous.
   */
  require(presented: string | undefined, scope: Scope): ReadonlySet<Scope> | undefined {
    const scopes = this.scopesOf(presented);
    if (presented !== undefined && scopes === undefined && this.enabled)
      throw new ApiError(401, ApiErrorCode.Unauthorized, "unknown API key");
    if (this.allows(scopes, scope)) return scopes;
    if (presented === undefined)
      throw new ApiError(401, ApiErrorCode.Unauthorized, "API key required (Authorization: Bearer <key> or X-API-Key)");
    throw new ApiError(403, ApiErrorCode.Forbidden, `this API key lacks the ${scope} scope`);
  }
}

function digest(key: string): Buffer {
  return createHash("sha256").update(key).digest();
}
