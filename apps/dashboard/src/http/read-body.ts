import { isUtf8 } from "node:buffer";
import type { IncomingMessage } from "node:http";
import type { Readable, Transform } from "node:stream";
import { createGunzip, createInflate } from "node:zlib";
import { jsonDepthExceeds, MAX_JSON_DEPTH } from "@dashwire/protocol";
import { ApiError, ApiErrorCode } from "../errors.js";

/**
 * Reads a request body up to `limit` bytes (after decompression of `gzip`/`deflate`, which
 * Telegraf may send). Past the limit a 413 `ApiError` is thrown and the rest of the body is
 * discarded unread (not buffered), so the client still gets the 413 instead of a reset.
 * Encodings in `raw` are read as sent, for the caller to decode (Prometheus' `snappy`).
 */
export function readBody(req: IncomingMessage, limit: number, raw: readonly string[] = []): Promise<Buffer> {
  const tooLarge = () => new ApiError(413, ApiErrorCode.PayloadTooLarge, `body larger than ${limit} bytes`);
  const declared = Number(req.headers["content-length"]);
  const encoding = (req.headers["content-encoding"] ?? "identity").toLowerCase();
  let decoder: Transform | undefined;
  if (encoding === "gzip" || encoding === "x-gzip") decoder = createGunzip();
  else if (encoding === "deflate") decoder = createInflate();
  else if (encoding !== "identity" && !raw.includes(encoding)) {
    req.resume();
    return Promise.reject(
      new ApiError(415, ApiErrorCode.UnsupportedMediaType, `content-encoding ${encoding} not supported`),
    );
  }
  const source: Readable = decoder === undefined ? req : req.pipe(decoder);
  if (decoder === undefined && Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }

  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: ApiError | undefined) => {
      if (done) return;
      done = true;
      source.off("data", onData);
      if (err === undefined) {
        resolve(Buffer.concat(chunks, size));
        return;
      }
      if (decoder !== undefined) {
        req.unpipe(decoder);
        decoder.destroy();
      }
      req.resume(); // discard the rest
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(tooLarge());
      else chunks.push(chunk);
    };
    source.on("data", onData);
    source.once("end", () => finish(undefined));
    // The decoder's own message stays here: the client learns what it sent was not readable.
    source.once("error", () =>
      finish(
        new ApiError(400, ApiErrorCode.InvalidField, `body: could not be read (invalid ${encoding} data or cut short)`),
      ),
    );
    req.once("aborted", () => finish(new ApiError(400, ApiErrorCode.InvalidField, "body: request aborted")));
  });
}

/**
 * Parses a JSON body; a syntax error or bytes that are not UTF-8 are a 400 that says so. Nesting is bounded like a socket
 * frame's (`MAX_JSON_DEPTH`, one rule for both): a body 10,000 levels deep parses, but the
 * recursive code after it (validation, serialization to another node) would overflow the stack.
 */
export function parseJsonBody(body: Buffer): unknown {
  // JSON is UTF-8 (RFC 8259 §8.1). Decoded anyway, `a\xff` and `a\xfe` would both become `a\uFFFD`:
  // two series written as one.
  if (!isUtf8(body)) throw new ApiError(400, ApiErrorCode.InvalidField, "body: not valid UTF-8");
  const text = body.toString("utf8");
  if (text.length > MAX_JSON_DEPTH && jsonDepthExceeds(text, MAX_JSON_DEPTH))
    throw new ApiError(400, ApiErrorCode.InvalidField, `body: JSON nests deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, ApiErrorCode.InvalidField, `body: invalid JSON (${(err as Error).message})`);
  }
}
