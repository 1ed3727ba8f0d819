/**
 * Serves the built UI (`dist-ui/`) at `/`: correct content types, ETag/304, long-lived caching
 * for Vite's content-hashed `assets/`, `no-cache` (revalidate) for everything else, and
 * `index.html` for SPA routes (paths without a file extension). Paths are resolved inside the
 * root only; `..` and encoded tricks get a 404.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";

/** Content types by extension. */
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".webmanifest": "application/manifest+json",
};

/** Shown at `/` when the UI was not built. */
const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>dashwire</title>
<h1>dashwire is running</h1><p>The web UI is not built. Run <code>npm run build -w @dashwire/dashboard</code>
(or <code>npm start</code>, which builds it) and reload. The API is at <a href="/api/v1/dashboards">/api/v1/dashboards</a>.</p>`;

/**
 * Headers of every UI answer: no other site may frame it (clickjacking: a page on another origin
 * could lay the UI, with its Delete and Save buttons, under its own bait in an invisible frame;
 * the UI's requests are same-origin, so the Origin check lets them through). `frame-ancestors` is
 * CSP's rule, `X-Frame-Options` the one older browsers know.
 */
export const UI_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
};

/** Static file server for one directory. */
export class StaticFiles {
  constructor(readonly root: string) {}

  /** Serves a GET/HEAD for `pathname`; returns false when there is no such file (caller 404s). */
  async serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return false;
    }
    if (decoded.includes("\0")) return false;
    const rel = normalize(decoded).replace(/^([/\\])+/, "");
    if (rel.split(/[/\\]/).includes("..")) return false;
    let file = join(this.root, rel);
    if (!file.startsWith(this.root + sep) && file !== this.root) return false;
    let info = await stat(file).catch(() => undefined);
    if (info?.isDirectory()) {
      file = join(file, "index.html");
      info = await stat(file).catch(() => undefined);
    }
    if (info === undefined || !info.isFile()) {
      // SPA route: no extension means a client-side path, answered by index.html.
      if (extname(rel) !== "") return false;
      file = join(this.root, "index.html");
      info = await stat(file).catch(() => undefined);
      if (info === undefined) {
        res.writeHead(200, { ...UI_HEADERS, "content-type": TYPES[".html"] as string, "cache-control": "no-cache" });
        res.end(req.method === "HEAD" ? undefined : NOT_BUILT);
        return true;
      }
    }
    const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
    const immutable = rel.startsWith(`assets${sep}`) || rel.startsWith("assets/");
    const headers: Record<string, string | number> = {
      ...UI_HEADERS,
      "content-type": TYPES[extname(file).toLowerCase()] ?? "application/octet-stream",
      "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
      etag,
      "last-modified": info.mtime.toUTCString(),
    };
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    headers["content-length"] = info.size;
    res.writeHead(200, headers);
    if (req.method === "HEAD") {
      res.end();
      return true;
    }
    const stream = createReadStream(file);
    stream.on("error", () => res.destroy());
    stream.pipe(res);
    return true;
  }
}
