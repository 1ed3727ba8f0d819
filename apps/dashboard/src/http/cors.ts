import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * CORS for the API: only origins in `allowed` get CORS headers (never a wildcard unless "*" is
 * configured on purpose). Same-origin requests (the bundled UI) need none. Returns true when it
 * answered a preflight.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || allowed.length === 0) return false;
  const ok = allowed.includes("*") || allowed.includes(origin);
  if (!ok) return false;
  res.setHeader("access-control-allow-origin", allowed.includes("*") ? "*" : origin);
  res.setHeader("vary", "Origin");
  // A cross-origin editor needs the ETag to send it back in If-Match.
  res.setHeader("access-control-expose-headers", "etag");
  if (req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined) {
    res.writeHead(204, {
      "access-control-allow-methods": "GET, POST, PUT, DELETE, OPTIONS",
      "access-control-allow-headers": "authorization, x-api-key, content-type, content-encoding, if-match",
      "access-control-max-age": "600",
    });
    res.end();
    return true;
  }
  return false;
}
