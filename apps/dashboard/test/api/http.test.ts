import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VERSION } from "../../src/app.js";
import { ApiErrorCode } from "../../src/errors.js";
import { type ErrorBody, getJson, startApp, type TestApp } from "./helpers.js";

/** GET with the path sent exactly as given. */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: "127.0.0.1", port, path }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    }).on("error", reject);
  });
}

let uiDir: string;
let t: TestApp;
beforeAll(async () => {
  uiDir = await mkdtemp(join(tmpdir(), "dashwire-ui-"));
  await mkdir(join(uiDir, "assets"));
  await writeFile(join(uiDir, "index.html"), "<!doctype html><title>ui</title>");
  await writeFile(join(uiDir, "assets", "app-1a2b3c.js"), "console.log(1)");
  await writeFile(join(uiDir, "favicon.svg"), "<svg/>");
  t = await startApp({ uiDir, corsOrigins: ["http://allowed.example"] });
});
afterAll(async () => {
  await t.close();
  await rm(uiDir, { recursive: true, force: true });
});

describe("static UI", () => {
  it("serves files with content types and cache headers", async () => {
    const index = await fetch(t.url("/"));
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(index.headers.get("cache-control")).toBe("no-cache");
    expect(await index.text()).toContain("<title>ui</title>");
    const asset = await fetch(t.url("/assets/app-1a2b3c.js"));
    expect(asset.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect((await fetch(t.url("/favicon.svg"))).headers.get("content-type")).toBe("image/svg+xml");
  });

  it("answers 304 to a matching ETag", async () => {
    const first = await fetch(t.url("/assets/app-1a2b3c.js"));
    const etag = first.headers.get("etag") ?? "";
    expect(etag).not.toBe("");
    const again = await fetch(t.url("/assets/app-1a2b3c.js"), { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
  });

  it("falls back to index.html for SPA routes, 404s missing files and path tricks", async () => {
    const spa = await fetch(t.url("/dashboards/demo"));
    expect(spa.status).toBe(200);
    expect(await spa.text()).toContain("<title>ui</title>");
    expect((await fetch(t.url("/assets/missing.js"))).status).toBe(404);
    // Sent verbatim (fetch would normalise the dots away).
    for (const path of ["/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/hostname", "/..%2f..%2fpackage.json"]) {
      const res = await rawGet(t.app.port, path);
      expect(res.body, path).not.toMatch(/root:|dashwire-monorepo|"name"/);
      expect([200, 404], path).toContain(res.status);
      if (res.status === 200) expect(res.body).toContain("<title>ui</title>");
    }
  });

  it("shows a hint page when the UI is not built", async () => {
    await using bare = await startApp({ uiDir: join(uiDir, "nope") });
    const res = await fetch(bare.url("/"));
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/UI is not built/);
  });
});

describe("API plumbing", () => {
  it("serves /api/v1/config, healthz (dashwire) and JSON 404s", async () => {
    expect((await getJson(t.url("/api/v1/config"))).body).toEqual({ wsPath: "/dashwire", version: VERSION });
    expect((await getJson<{ status: string }>(t.url("/healthz"))).body.status).toBe("ok");
    const missing = await getJson<ErrorBody>(t.url("/api/v1/nope"));
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe(ApiErrorCode.NotFound);
  });

  it("sends CORS headers only to configured origins", async () => {
    const allowed = await fetch(t.url("/api/v1/config"), { headers: { origin: "http://allowed.example" } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://allowed.example");
    const other = await fetch(t.url("/api/v1/config"), { headers: { origin: "http://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await fetch(t.url("/api/v1/metrics"), {
      method: "OPTIONS",
      headers: { origin: "http://allowed.example", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers")).toMatch(/authorization/);
  });
});
