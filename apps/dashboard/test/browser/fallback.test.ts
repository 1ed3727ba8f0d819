/**
 * The dashboard in headless Chromium behind a proxy that refuses WebSocket upgrades (as some
 * corporate proxies do): it still goes live over SSE and says so in its connection badge; with
 * the SSE route blocked too it goes live over long-polling; and when the proxy lets WebSocket
 * through again it upgrades in the background with no gap in the charts. The UI is built from
 * the current SDK sources into a temporary directory, so the shared dist-ui is left alone.
 */
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { findChromium, launchChromium } from "../../../../scripts/chromium.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDashboardApp, type DashboardApp } from "../../src/index.js";
import type {} from "../../ui/src/debug-view.js";
import { buildUiToTemp } from "./build-ui.js";

const chromiumPath = findChromium();
if (!chromiumPath) console.warn("fallback browser tests skipped: chromium is not installed");

/**
 * An HTTP proxy in front of the app: passes pages, API calls and the HTTP transports through
 * (streaming), and either refuses WebSocket upgrades with 403 or tunnels them.
 */
class UpgradeBlockingProxy {
  port = 0;
  refuseUpgrades = true;
  /** Requests seen: "GET /dashwire/sse", "UPGRADE /dashwire" (refused) or "TUNNEL /dashwire". */
  readonly log: string[] = [];
  /** SSE responses still streaming through the proxy. */
  openStreams = 0;
  private readonly sockets = new Set<net.Socket>();
  private readonly server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] as string;
    this.log.push(`${req.method} ${path}`);
    const sse = path.endsWith("/sse");
    const up = http.request(
      { host: "127.0.0.1", port: this.target, method: req.method, path: req.url, headers: req.headers },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        if (sse) {
          this.openStreams++;
          res.once("close", () => this.openStreams--);
        }
        ur.pipe(res);
      },
    );
    up.on("error", () => res.destroy());
    res.on("close", () => up.destroy());
    req.pipe(up);
  });

  constructor(private readonly target: number) {
    this.server.on("connection", (s: net.Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    this.server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      socket.on("error", () => {});
      if (this.refuseUpgrades) {
        this.log.push(`UPGRADE ${req.url}`);
        socket.end("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        return;
      }
      this.log.push(`TUNNEL ${req.url}`);
      const up = net.connect(this.target, "127.0.0.1", () => {
        const lines = [`${req.method} ${req.url} HTTP/1.1`];
        for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
        up.write(`${lines.join("\r\n")}\r\n\r\n`);
        up.write(head);
        socket.pipe(up);
        up.pipe(socket);
      });
      this.sockets.add(up);
      up.on("error", () => socket.destroy());
      up.on("close", () => {
        this.sockets.delete(up);
        socket.destroy();
      });
      socket.on("close", () => up.destroy());
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as net.AddressInfo).port;
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

interface FeedView {
  received: number;
  t: number[];
}

/** The first feed of one panel (via the page's debug hook). */
function feed(page: Page, panelId: string): Promise<FeedView> {
  return page.evaluate((id) => {
    const f = window.__dashwire?.view()?.panels.find((p) => p.id === id)?.feeds[0];
    return f ?? { received: 0, t: [] };
  }, panelId);
}

describe.skipIf(!chromiumPath)("dashboard over fallback transports in Chromium", () => {
  let app: DashboardApp;
  let proxy: UpgradeBlockingProxy;
  let base: string;
  let browser: Browser;
  let dataDir: string;
  let uiDir: string;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    uiDir = buildUiToTemp("dashwire-ui-fallback-");
    dataDir = mkdtempSync(join(tmpdir(), "dashwire-fallback-"));
    app = await createDashboardApp({ port: 0, host: "127.0.0.1", dataDir, uiDir, demo: true, logLevel: "error" });
    proxy = new UpgradeBlockingProxy(app.port);
    base = await proxy.listen();
    browser = await launchChromium(chromiumPath as string);
  }, 60_000);

  afterEach(async () => {
    await context?.close();
    context = undefined;
    proxy.refuseUpgrades = true;
  });

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await app?.close();
    for (const dir of [dataDir, uiDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Opens the demo dashboard in a fresh context (empty localStorage) and waits until it is live. */
  async function openDemo(): Promise<Page> {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on("pageerror", (err) => console.error("page error:", err.message));
    await page.goto(`${base}/#/d/demo`);
    await page.waitForSelector('[data-testid=conn-state][data-state="connected"]', { timeout: 15_000 });
    return page;
  }

  /** Waits for live buckets to arrive on the cpu chart. */
  async function expectLive(page: Page): Promise<void> {
    const before = (await feed(page, "cpu")).received;
    await expect.poll(async () => (await feed(page, "cpu")).received, { timeout: 5000 }).toBeGreaterThan(before);
  }

  it("goes live over SSE when the proxy refuses WebSocket, shows it, and starts with SSE when loaded again", async () => {
    const page = await openDemo();
    expect(await page.locator("[data-testid=conn-transport]").textContent()).toBe("sse");
    await expectLive(page);
    expect(proxy.log).toContain("UPGRADE /dashwire");
    expect(proxy.log).toContain("GET /dashwire/sse");
    const remembered = await page.evaluate(() =>
      Object.entries(localStorage).find(([k]) => k.startsWith("dashwire:transport:")),
    );
    expect(remembered?.[0]).toBe(`dashwire:transport:ws://127.0.0.1:${proxy.port}/dashwire`);
    expect(JSON.parse(remembered?.[1] ?? "{}")).toMatchObject({ name: "sse" });
    // Loaded again, the page goes straight to SSE: no WebSocket attempt before it. The old page
    // is unloaded first (a blank page): during a reload it lives on until the new document
    // arrives, and its own background upgrade attempt (every few seconds over SSE) could come
    // after the new document's request (seen once in CI).
    await page.goto("about:blank");
    const mark = proxy.log.length;
    await page.goto(`${base}/#/d/demo`);
    await page.waitForSelector('[data-testid=conn-state][data-state="connected"]', { timeout: 15_000 });
    expect(await page.locator("[data-testid=conn-transport]").textContent()).toBe("sse");
    // The first transport the new page opens, counted from its document request.
    const doc = proxy.log.indexOf("GET /", mark);
    expect(doc).toBeGreaterThanOrEqual(mark);
    const opens = proxy.log
      .slice(doc + 1)
      .filter(
        (l) => /^(UPGRADE|TUNNEL) \/dashwire(\?|$)/.test(l) || l === "GET /dashwire/sse" || l === "POST /dashwire/poll",
      );
    expect(opens[0]).toBe("GET /dashwire/sse");
  });

  it("goes live over long-polling when the SSE route is blocked too", async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.route("**/dashwire/sse*", (route) => route.abort("blockedbyclient"));
    const page = await context.newPage();
    await page.goto(`${base}/#/d/demo`);
    await page.waitForSelector('[data-testid=conn-state][data-state="connected"]', { timeout: 15_000 });
    expect(await page.locator("[data-testid=conn-transport]").textContent()).toBe("polling");
    await expectLive(page);
    expect(proxy.log).toContain("POST /dashwire/poll");
    expect(proxy.log).toContain("POST /dashwire/send");
  });

  it("upgrades to WebSocket in the background once the proxy lets it through, with no gap in the chart", async () => {
    const page = await openDemo();
    expect(await page.locator("[data-testid=conn-transport]").textContent()).toBe("sse");
    await expectLive(page);
    proxy.refuseUpgrades = false;
    // The first upgrade attempt comes 1–2 s after connecting (clientDefaults.upgrade).
    await expect.poll(() => proxy.log.includes("TUNNEL /dashwire"), { timeout: 10_000 }).toBe(true);
    const switchedAt = Date.now();
    // The SSE stream is closed once the WebSocket carries the session.
    await expect.poll(() => proxy.openStreams, { timeout: 5000 }).toBe(0);
    // The page remembers WebSocket once it read the takeover's `connected`, which the server sends
    // on the WebSocket as it closes the stream: the proxy may see the stream end first.
    const remembered = async () => {
      const stored = await page.evaluate(() =>
        Object.entries(localStorage).find(([k]) => k.startsWith("dashwire:transport:")),
      );
      return JSON.parse(stored?.[1] ?? "{}") as { name?: string };
    };
    await expect.poll(remembered, { timeout: 5000 }).toMatchObject({ name: "websocket" });
    await expectLive(page);
    await expectLive(page);
    // One bucket per second, sorted, unique, from before the switch to after it: nothing lost or repeated.
    // The two publications above may both come within a second of the switch: wait for the 5th
    // second (it once read 4 seconds from 4 s before the switch, in CI).
    const sinceSwitch = async () => (await feed(page, "cpu")).t.filter((x) => x >= switchedAt - 4000);
    await expect.poll(async () => (await sinceSwitch()).length, { timeout: 5000 }).toBeGreaterThanOrEqual(5);
    const around = await sinceSwitch();
    for (let i = 1; i < around.length; i++) expect((around[i] as number) - (around[i - 1] as number)).toBe(1000);
    // The badge still reads "sse" here: the UI re-reads `client.transport` only on state changes,
    // and an upgrade keeps the state "connected" (it needs to listen to the SDK's "transport" event).
    expect(await page.locator("[data-testid=conn-state]").getAttribute("data-state")).toBe("connected");
  });
});
