import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { ApiError, ApiErrorCode } from "../errors.js";
import { StoreError } from "../store/store-error.js";

/** Sends a JSON body with `status`; API responses are never cached. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/**
 * Sends `json`, already JSON (text, or its UTF-8 bytes), with `status` (as `sendJson`). The text
 * is encoded once: counting its bytes for `content-length` and then writing it scanned it twice.
 */
export function sendJsonText(
  res: ServerResponse,
  status: number,
  json: string | Buffer,
  headers: Record<string, string> = {},
): void {
  const body = typeof json === "string" ? Buffer.from(json) : json;
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": body.length,
    "cache-control": "no-store",
    ...headers,
  });
  res.end(body);
}

/** Logs a failed request: the error (with its internal message) and the id the client was given. */
export type ErrorLog = (err: unknown, requestId: string) => void;

/**
 * Sends `{ error: { code, message } }` for an `ApiError`. A 4xx carries its message (it is about
 * the client's input). A 5xx, and anything that is not an `ApiError` (a 500), goes to `log` with
 * a fresh request id; the client gets only the status' name, the code and that id
 * (`x-request-id` too), so an operator can find the details and nothing internal leaks.
 */
export function sendError(res: ServerResponse, thrown: unknown, log: ErrorLog): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // A store failure (disk full, database down) is the client's business too: 507 or 503, coded.
  const err = thrown instanceof StoreError ? thrown.toApiError() : thrown;
  const apiError = err instanceof ApiError ? err : new ApiError(500, ApiErrorCode.Internal, "internal error");
  if (apiError.status < 500) {
    // 413 leaves the rest of the body unread: close the connection rather than drain it.
    sendJson(res, apiError.status, apiError.toBody(), apiError.status === 413 ? { connection: "close" } : {});
    return;
  }
  // Refused under load (the ingest gate): expected, counted, not a failure to log per request.
  if (apiError.code === ApiErrorCode.Busy) {
    sendJson(res, apiError.status, apiError.toBody(), { "retry-after": "1" });
    return;
  }
  const requestId = randomBytes(8).toString("hex");
  log(thrown, requestId);
  sendJson(res, apiError.status, apiError.toBody(requestId), { "x-request-id": requestId });
}

/** Query parameters that carry credentials: InfluxDB v1's password (an API key here), tokens. */
const SECRET_PARAMS = ["p", "token", "api_key", "apikey", "key"];

/**
 * A request's URL as a log line may show it: credentials in the query (InfluxDB v1 clients send
 * the API key as `?p=`) replaced by `***`. Logged as is, every failed write put the key in the log.
 */
export function loggableUrl(url: string | undefined): string {
  if (url === undefined) return "";
  const q = url.indexOf("?");
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  let redacted = false;
  for (const name of SECRET_PARAMS)
    if (params.has(name)) {
      params.set(name, "***");
      redacted = true;
    }
  return redacted ? `${url.slice(0, q)}?${params.toString()}` : url;
}
