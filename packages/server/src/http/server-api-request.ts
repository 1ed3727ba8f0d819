/**
 * The checks every server API request passes before its method runs: who sent it (API key,
 * browser origin, host) and what it sent (JSON, bounded in bytes and nesting).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { ErrorCode, jsonDepthExceeds, MAX_JSON_DEPTH } from "@dashwire/protocol";
import { DashwireError } from "../errors.js";

/** An API error with its HTTP status. */
export class ServerApiError extends DashwireError {
  constructor(
    readonly status: number,
    code: number,
    message: string,
  ) {
    super(code, message);
  }
}

/** Shortest API key accepted at startup, in bytes. */
export const MIN_KEY_BYTES = 16;

/**
 * The configured keys, compared in constant time: each is kept as its SHA-256 digest and the
 * presented key is hashed too, so the comparison never depends on lengths or on where the first
 * differing byte is, and every key is compared (no early exit).
 */
export class ApiKeyRing {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    for (const key of keys)
      if (Buffer.byteLength(key) < MIN_KEY_BYTES)
        throw new Error(`serverApi.keys: every key must be at least ${MIN_KEY_BYTES} bytes`);
    this.digests = keys.map(digest);
  }

  /** True when `presented` is one of the keys. */
  accepts(presented: string): boolean {
    const d = digest(presented);
    let found = false;
    for (const k of this.digests) found = timingSafeEqual(k, d) || found;
    return found;
  }
}

function digest(key: string): Buffer {
  return createHash("sha256").update(key).digest();
}

/** Reads the key from `Authorization: apikey <key>` (Centrifugo's scheme), `Bearer <key>`, or `X-API-Key`. */
export function presentedKey(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === "string") {
    const m = /^(?:apikey|bearer)\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const header = req.headers["x-api-key"];
  return typeof header === "string" && header !== "" ? header : undefined;
}

/**
 * Refuses requests a web page could have sent: the API is for servers, so a request with an
 * `Origin` header (browsers send it on every POST) passes only when that exact origin is listed
 * in `allowedOrigins` ("*" does not count here). `Host` must be present (and, like every route,
 * pass `allowedHosts`: the caller checks that).
 */
export function checkSender(req: IncomingMessage, allowedOrigins: readonly string[]): void {
  const origin = req.headers.origin;
  if (origin !== undefined && !allowedOrigins.includes(origin))
    throw new ServerApiError(403, ErrorCode.Forbidden, "requests from web pages are refused (Origin not allowed)");
  if (!req.headers.host) throw new ServerApiError(400, ErrorCode.InvalidField, "Host header required");
}

/** True for `application/json`, with or without parameters (`; charset=utf-8`). */
function isJson(type: string | undefined): boolean {
  if (type === undefined) return false;
  const semi = type.indexOf(";");
  return (semi < 0 ? type : type.slice(0, semi)).trim().toLowerCase() === "application/json";
}

/**
 * Reads and parses a JSON body of at most `limit` bytes. Past the limit the request is answered
 * 413 and the rest is discarded unread (not buffered).
 */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  if (!isJson(req.headers["content-type"])) {
    req.resume();
    throw new ServerApiError(415, ErrorCode.BadFrame, "Content-Type must be application/json");
  }
  const encoding = req.headers["content-encoding"];
  if (encoding !== undefined && encoding.toLowerCase() !== "identity") {
    req.resume();
    throw new ServerApiError(415, ErrorCode.BadFrame, "Content-Encoding is not supported");
  }
  const tooLarge = () => new ServerApiError(413, ErrorCode.PayloadTooLarge, `body larger than ${limit} bytes`);
  if (Number(req.headers["content-length"]) > limit) {
    req.resume();
    throw tooLarge();
  }
  const text = (await readBounded(req, limit, tooLarge)).toString("utf8");
  // Bounded before parsing, as frames are: deep nesting parses but overflows a later stringify.
  if (text.length > MAX_JSON_DEPTH && jsonDepthExceeds(text, MAX_JSON_DEPTH))
    throw new ServerApiError(400, ErrorCode.BadFrame, `body nests deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch {
    throw new ServerApiError(400, ErrorCode.BadFrame, "body is not valid JSON");
  }
}

/** The body as bytes; past `limit` rejects with `tooLarge()` and discards the rest unread. */
function readBounded(req: IncomingMessage, limit: number, tooLarge: () => ServerApiError): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      // Stop keeping it, keep reading it: the client gets its 413 instead of a reset.
      req.off("data", onData);
      req.resume();
      reject(tooLarge());
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks, size)));
    const cut = () => reject(new ServerApiError(400, ErrorCode.BadFrame, "body could not be read"));
    req.once("error", cut);
    // A client gone mid-body ends the wait too (after "end", this changes nothing).
    req.once("close", cut);
  });
}
