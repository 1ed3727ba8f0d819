import { ErrorCode, truncateUtf8 } from "@dashwire/protocol";
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JWSAlgorithm,
  type JWTPayload,
  type JWTVerifyOptions,
  jwtVerify,
} from "jose";
import type { ConnectContext, ConnectMiddleware } from "../connect-context.js";
import { DashwireError } from "../errors.js";

/** Options of `jwtAuth`. Give `secret`, `jwksUrl`, or both. */
export interface JwtAuthOptions {
  /**
   * HMAC secret(s) for HS256/384/512 tokens. Several are tried in order, so a secret can be
   * rotated without refusing tokens signed with the old one. Each must be at least 32 bytes.
   */
  secret: string | Uint8Array | readonly (string | Uint8Array)[] | undefined;
  /** URL of a JSON Web Key Set for asymmetric tokens (RS*, PS*, ES*, EdDSA); fetched and cached. */
  jwksUrl: string | URL | undefined;
  /** Timeout of one key-set fetch, ms. */
  jwksTimeoutMs: number;
  /** After a fetch, a token with an unknown `kid` triggers another fetch only after this long, ms. */
  jwksCooldownMs: number;
  /** Keys older than this are fetched again, ms. */
  jwksCacheMaxAgeMs: number;
  /**
   * Accepted `alg` values. Default: HS256/384/512 when `secret` is set, plus the asymmetric
   * algorithms when `jwksUrl` is set. `none` is never accepted.
   */
  algorithms: readonly JWSAlgorithm[] | undefined;
  /** Expected `aud`; when set, a token without it or with another one is refused. */
  audience: string | readonly string[] | undefined;
  /** Expected `iss`; when set, a token without it or with another one is refused. */
  issuer: string | readonly string[] | undefined;
  /** Clock skew tolerated on `exp`, `nbf` (and `iat` with `maxTokenAgeSec`), seconds. */
  clockToleranceSec: number;
  /** Refuse tokens issued (`iat`) longer ago than this, seconds. */
  maxTokenAgeSec: number | undefined;
  /** Claims every token must carry (e.g. `["exp"]` to refuse tokens that never expire). */
  requiredClaims: readonly string[];
  /** Claim holding the user id (`ctx.user.id`). */
  userClaim: string;
  /** Refuse connections that offer no token. False: they connect anonymously (`ctx.user` unset). */
  required: boolean;
  /** Refuse a `refresh` whose token names a different user than the connection's. */
  sameUserOnRefresh: boolean;
  /** Longest token looked at, characters; longer ones are refused before any parsing. */
  maxTokenLength: number;
}

/** Defaults of `JwtAuthOptions`. */
export const jwtAuthDefaults: JwtAuthOptions = {
  secret: undefined,
  jwksUrl: undefined,
  jwksTimeoutMs: 5000,
  jwksCooldownMs: 30_000,
  jwksCacheMaxAgeMs: 600_000,
  algorithms: undefined,
  audience: undefined,
  issuer: undefined,
  clockToleranceSec: 5,
  maxTokenAgeSec: undefined,
  requiredClaims: [],
  userClaim: "sub",
  required: true,
  sameUserOnRefresh: true,
  maxTokenLength: 8192,
};

const HMAC_ALGORITHMS: JWSAlgorithm[] = ["HS256", "HS384", "HS512"];
const ASYMMETRIC_ALGORITHMS: JWSAlgorithm[] = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
];
/** RFC 7518 §3.2: an HMAC key must be at least as long as the hash output (256 bits for HS256). */
const MIN_SECRET_BYTES = 32;

type KeySet = ReturnType<typeof createRemoteJWKSet>;

/**
 * Connect middleware that verifies a JWT (from `connect.token`, `Authorization: Bearer` or
 * `?token=`) with `jose` and sets `ctx.user = { id, claims }` and `ctx.expiresAt` from `exp`. The
 * core closes the connection with 4004 at expiry unless the client sends `refresh` first; refresh
 * runs this middleware again. Refusals: bad, malformed, wrong audience or issuer →
 * `ErrorCode.Unauthorized` (close 4500); expired → `ErrorCode.TokenExpired` (close 4004). A key
 * set that cannot be fetched is a server fault: logged by the core, close 4005 (retry later).
 */
export function jwtAuth(input: Partial<JwtAuthOptions>): ConnectMiddleware {
  const options: JwtAuthOptions = { ...jwtAuthDefaults, ...input };
  const secrets = secretsOf(options.secret);
  const keySet: KeySet | undefined =
    options.jwksUrl === undefined
      ? undefined
      : createRemoteJWKSet(new URL(options.jwksUrl), {
          timeoutDuration: options.jwksTimeoutMs,
          cooldownDuration: options.jwksCooldownMs,
          cacheMaxAge: options.jwksCacheMaxAgeMs,
        });
  if (secrets.length === 0 && keySet === undefined) throw new Error("jwtAuth: give `secret`, `jwksUrl`, or both");
  const allowed = new Set<string>(
    options.algorithms ?? [
      ...(secrets.length > 0 ? HMAC_ALGORITHMS : []),
      ...(keySet !== undefined ? ASYMMETRIC_ALGORITHMS : []),
    ],
  );
  const verifyOptions: JWTVerifyOptions = {
    algorithms: [...allowed] as JWSAlgorithm[],
    clockTolerance: options.clockToleranceSec,
    requiredClaims: [...options.requiredClaims],
  };
  if (options.audience !== undefined) verifyOptions.audience = toList(options.audience);
  if (options.issuer !== undefined) verifyOptions.issuer = toList(options.issuer);
  if (options.maxTokenAgeSec !== undefined) verifyOptions.maxTokenAge = options.maxTokenAgeSec;

  const verify = async (token: string): Promise<JWTPayload> => {
    const alg = algorithmOf(token);
    if (!allowed.has(alg)) throw unauthorized(`token algorithm ${JSON.stringify(truncateUtf8(alg, 20))} not allowed`);
    if (alg.startsWith("HS")) {
      // Rotation: a bad signature under one secret may be good under the next; any other failure
      // (expiry, audience…) comes after the signature check and is final.
      for (const secret of secrets) {
        try {
          return (await jwtVerify(token, secret, verifyOptions)).payload;
        } catch (err) {
          if (!(err instanceof errors.JWSSignatureVerificationFailed)) throw err;
        }
      }
      throw new errors.JWSSignatureVerificationFailed();
    }
    if (keySet === undefined) throw unauthorized("token algorithm not allowed");
    return (await jwtVerify(token, keySet, verifyOptions)).payload;
  };

  return async (ctx: ConnectContext): Promise<void> => {
    const token = ctx.token;
    if (token === undefined || token === "") {
      if (options.required) throw unauthorized("token required");
      return;
    }
    if (token.length > options.maxTokenLength) throw unauthorized("token too long");
    let payload: JWTPayload;
    try {
      payload = await verify(token);
    } catch (err) {
      throw refusal(err);
    }
    const raw = payload[options.userClaim];
    const id = typeof raw === "string" ? raw : typeof raw === "number" ? String(raw) : undefined;
    if (id === undefined || id === "") throw unauthorized(`token has no "${options.userClaim}" claim`);
    const current = ctx.client.user?.id;
    if (options.sameUserOnRefresh && current !== undefined && current !== id)
      throw unauthorized("refresh token is for another user");
    ctx.user = { id, claims: payload as Record<string, unknown> };
    ctx.expiresAt = typeof payload.exp === "number" ? (payload.exp + options.clockToleranceSec) * 1000 : undefined;
  };
}

function secretsOf(secret: JwtAuthOptions["secret"]): Uint8Array[] {
  if (secret === undefined) return [];
  const list = typeof secret === "string" || secret instanceof Uint8Array ? [secret] : secret;
  const encoder = new TextEncoder();
  return list.map((s, i) => {
    const bytes = typeof s === "string" ? encoder.encode(s) : s;
    if (bytes.length < MIN_SECRET_BYTES)
      throw new Error(`jwtAuth: secret ${i} is ${bytes.length} bytes; HMAC secrets need at least ${MIN_SECRET_BYTES}`);
    return bytes;
  });
}

function toList(value: string | readonly string[]): string | string[] {
  return typeof value === "string" ? value : [...value];
}

/** The header's `alg`; anything unreadable is a malformed token. */
function algorithmOf(token: string): string {
  let header: { alg?: unknown };
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw unauthorized("malformed token");
  }
  if (typeof header.alg !== "string") throw unauthorized("malformed token: no alg");
  return header.alg;
}

function unauthorized(message: string): DashwireError {
  return new DashwireError(ErrorCode.Unauthorized, message);
}

/**
 * Maps a verification failure to the error the client sees. Messages name the check that failed
 * but never echo token contents. Key-set outages are not the client's fault: they pass through
 * as plain errors, so the core logs them and closes with 4005 (retry later).
 */
function refusal(err: unknown): unknown {
  if (err instanceof DashwireError) return err;
  if (err instanceof errors.JWTExpired) return new DashwireError(ErrorCode.TokenExpired, "token expired");
  if (err instanceof errors.JWTClaimValidationFailed)
    return unauthorized(`token "${err.claim}" claim ${err.reason === "check_failed" ? "check failed" : err.reason}`);
  if (err instanceof errors.JWSSignatureVerificationFailed) return unauthorized("token signature invalid");
  if (err instanceof errors.JOSEAlgNotAllowed) return unauthorized("token algorithm not allowed");
  if (err instanceof errors.JWKSNoMatchingKey) return unauthorized("no key matches the token");
  if (err instanceof errors.JWKSMultipleMatchingKeys) return unauthorized("several keys match the token");
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return unauthorized("malformed token");
  if (err instanceof errors.JOSENotSupported || err instanceof errors.JWKInvalid)
    return unauthorized("token uses an unsupported algorithm or key");
  return err;
}
