/**
 * The dashboard's Host and Origin checks and JSON content types, over plain HTTP (the browser
 * side is in `test/browser/cross-origin.browser.test.ts`). Issue 12, item 4.
 */
import http from "node:http";
import { CloseCode } from "@dashwire/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RawClient } from "../../../../packages/server/test/raw-client.js";
import { loadStartOptions } from "../../src/config/load-config.js";
import { ApiErrorCode } from "../../src/errors.js";
import { startApp, type TestApp } from "./helpers.js";

/** A request with exactly these headers (fetch cannot set Host). */
function raw(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const code = (body: string) => (JSON.parse(body) as { error: { code: number } }).error.code;
const board = (id: string) => JSON.stringify({ id, title: id, panels: [] });

let t: TestApp;
beforeAll(async () => {
  t = await startApp({ corsOrigins: ["https://grafana.example"], allowedHosts: ["dash.example.com"] });
});
afterAll(async () => {
  await t?.close();
});

describe("Host (DNS rebinding)", () => {
  it("refuses a foreign Host on the API, the UI, /healthz, /metrics and the socket", async () => {
    const port = t.app.port;
    const host = `rebind.evil.example:${port}`;
    for (const path of ["/api/v1/dashboards", "/api/v1/series", "/api/v1/config", "/", "/healthz", "/metrics"]) {
      const res = await raw(port, "GET", path, { host });
      expect(res.status, path).toBe(403);
      expect(code(res.body), path).toBe(ApiErrorCode.ForbiddenHost);
    }
    const write = await raw(
      port,
      "POST",
      "/api/v1/dashboards",
      { host, "content-type": "application/json" },
      board("x"),
    );
    expect(write.status).toBe(403);
    const ws = await RawClient.open(`ws://127.0.0.1:${port}/dashwire`, { host });
    ws.send({ t: "connect", v: 1 });
    expect(await ws.closed()).toBe(CloseCode.ForbiddenHost);
  });

  it("answers localhost, IP addresses, the listen host and --allowed-hosts", async () => {
    const port = t.app.port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `dash.example.com:${port}`, "DASH.example.com"])
      expect((await raw(port, "GET", "/api/v1/dashboards", { host })).status, host).toBe(200);
    const ws = await RawClient.open(`ws://127.0.0.1:${port}/dashwire`, { host: "dash.example.com" });
    ws.send({ t: "connect", v: 1 });
    await ws.next((m) => m.t === "connected");
    ws.close();
  });
});

describe("Origin on state-changing requests", () => {
  const origins: Array<[string, string | undefined, Record<string, string>]> = [
    ["another site", "https://evil.example", {}],
    ["a sandboxed frame", "null", {}],
    ["another port of this host", "http://127.0.0.1:1", {}],
    ["a browser that left Origin out", undefined, { "sec-fetch-site": "cross-site" }],
  ];
  for (const [name, origin, extra] of origins)
    it(`refuses every write from ${name} with 403, and changes nothing`, async () => {
      const port = t.app.port;
      const headers = { ...extra, ...(origin === undefined ? {} : { origin }) };
      const json = { ...headers, "content-type": "application/json" };
      const attempts = [
        await raw(port, "POST", "/api/v1/dashboards", json, board("pwned")),
        await raw(port, "PUT", "/api/v1/dashboards/demo", json, board("demo")),
        await raw(port, "DELETE", "/api/v1/dashboards/demo", headers),
        await raw(port, "POST", "/api/v1/metrics", { ...headers, "content-type": "text/plain" }, "csrf v=1"),
        await raw(port, "POST", "/api/v1/metrics", json, '{"name":"csrf","value":1}'),
      ];
      for (const res of attempts) {
        expect(res.status).toBe(403);
        expect(code(res.body)).toBe(ApiErrorCode.ForbiddenOrigin);
      }
      expect((await fetch(t.url("/api/v1/dashboards/pwned"))).status).toBe(404);
      expect(((await (await fetch(t.url("/api/v1/series?match=csrf"))).json()) as { series: [] }).series).toEqual([]);
    });

  it("lets the app's own origin, a --cors-origin and non-browser clients (no Origin) write", async () => {
    const port = t.app.port;
    const host = `127.0.0.1:${port}`;
    for (const [id, headers] of [
      ["same-origin", { origin: `http://${host}`, "sec-fetch-site": "same-origin" }],
      ["listed", { origin: "https://grafana.example" }],
      ["curl", {}],
    ] as const) {
      const res = await raw(
        port,
        "POST",
        "/api/v1/dashboards",
        { ...headers, host, "content-type": "application/json" },
        board(id),
      );
      expect(res.status, id).toBe(201);
    }
    // Telegraf and curl send line protocol as text/plain without Origin.
    expect(
      (await raw(port, "POST", "/api/v1/metrics", { host, "content-type": "text/plain" }, "agent v=1")).status,
    ).toBe(200);
  });

  it("never checks Origin on reads (a page may link to a dashboard)", async () => {
    const res = await raw(t.app.port, "GET", "/api/v1/dashboards", { origin: "https://evil.example" });
    expect(res.status).toBe(200);
    expect(res.headers["access-control-allow-origin"]).toBeUndefined(); // no CORS: the page cannot read it
  });
});

describe("JSON routes take JSON only", () => {
  it("refuses a dashboard sent as text/plain, a form or without a type with 415", async () => {
    for (const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      undefined,
    ]) {
      const headers: Record<string, string> = type === undefined ? {} : { "content-type": type };
      for (const [method, path] of [
        ["POST", "/api/v1/dashboards"],
        ["PUT", "/api/v1/dashboards/typed"],
      ] as const) {
        const res = await raw(t.app.port, method, path, headers, board("typed"));
        expect(res.status, `${method} ${type}`).toBe(415);
        expect(code(res.body)).toBe(ApiErrorCode.UnsupportedMediaType);
      }
    }
    expect((await fetch(t.url("/api/v1/dashboards/typed"))).status).toBe(404);
  });
});

describe("--allowed-hosts", () => {
  it("is read from the flag (repeatable, comma-separated), the environment and the config file; bad names stop the start", () => {
    expect(loadStartOptions({ "allowed-hosts": ["a.example,b.example", ".corp.example"] }, {}).allowedHosts).toEqual([
      "a.example",
      "b.example",
      ".corp.example",
    ]);
    expect(loadStartOptions({}, { DASHWIRE_ALLOWED_HOSTS: "x.example, *" }).allowedHosts).toEqual(["x.example", "*"]);
    expect(() => loadStartOptions({ "allowed-hosts": ["https://a.example/"] }, {})).toThrow(
      /--allowed-hosts: allowedHosts: "https:\/\/a.example\/" is not a host name/,
    );
  });
});
