import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Browser-loadable builds of the SDK, served at /lib/… and named by the pages' import map. */
const LIBS: Record<string, string> = {
  "/lib/client/": join(root, "packages/client/dist/"),
  "/lib/protocol/": join(root, "packages/protocol/dist/"),
};

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json",
};

/**
 * Serves an example's page (the HTML text `page` at /) and the SDK's ES modules (no bundler needed: the page maps
 * `@dashwire/client` to /lib/client/index.js with an import map). Returns false for other paths.
 */
export async function serveStatic(req: IncomingMessage, res: ServerResponse, page: string): Promise<boolean> {
  const path = new URL(req.url ?? "/", "http://x").pathname;
  if (path === "/") {
    res.writeHead(200, { "content-type": TYPES[".html"] as string }).end(page);
    return true;
  }
  let file: string | undefined;
  for (const [prefix, dir] of Object.entries(LIBS))
    if (path.startsWith(prefix)) {
      const rel = normalize(path.slice(prefix.length));
      if (!rel.startsWith("..")) file = join(dir, rel);
    }
  if (file === undefined) return false;
  try {
    const body = await readFile(file);
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
  } catch {
    res.writeHead(404).end("not found");
  }
  return true;
}

/** The import map every example page uses. */
export const IMPORT_MAP = `<script type="importmap">{"imports":{"@dashwire/client":"/lib/client/index.js","@dashwire/protocol":"/lib/protocol/index.js"}}</script>`;
