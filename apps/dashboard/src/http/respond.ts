import type { ServerResponse } from "node:http";
import { ApiError, ApiErrorCode } from "../errors.js";

/** Sends a JSON body with `status`; API responses are never cached. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(text);
}

/**
 * Sends `{ error: { code, message } }` for an `ApiError`; anything else is a 500 whose details
 * go to `log`, never to the client.
 */
export function sendError(res: ServerResponse, err: unknown, log: (err: unknown) => void): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof ApiError) {
    // 413 leaves the rest of the body unread: close the connection rather than drain it.
    sendJson(res, err.status, err.toBody(), err.status === 413 ? { connection: "close" } : {});
    return;
  }
  log(err);
  sendJson(res, 500, new ApiError(500, ApiErrorCode.Internal, "internal error").toBody());
}
