/**
 * @dashwire/react in real headless Chromium: a Vite-built page (React StrictMode, development
 * build) against a real dashwire server. It renders the latest value without a re-render storm,
 * a stream list that resumes across a server restart, connection state transitions, presence of
 * two pages, a server event, an emit with its ack and a publish; StrictMode's double effects open
 * one connection and one subscription per topic, an unmounted component's subscription goes, and
 * an unmounted provider's connection too.
 * The server uses the Redis broker, so history outlives the restart and the stream resumes.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { RedisBroker } from "@dashwire/broker-redis";
import { createServer, type DashwireServer } from "@dashwire/server";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { findChromium, launchChromium } from "../../../../scripts/chromium.js";
import { until } from "../../../server/test/until.js";
import type { TestSchema } from "./page/schema.js";

const REDIS = process.env.DASHWIRE_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const here = fileURLToPath(new URL(".", import.meta.url));
const repoRoot = join(here, "../../../..");

const chromiumPath = findChromium();
if (!chromiumPath) console.warn("react browser tests skipped: chromium is not installed (apt-get install chromium)");

const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8" };

/** The app server: the built page at / and dashwire on the same port, with the test schema's topics and event. */
class AppServer {
  readonly app: DashwireServer<TestSchema>;
  private readonly server: http.Server;

  constructor(pageDir: string, prefix: string) {
    this.app = createServer<TestSchema>({ logLevel: "silent", broker: new RedisBroker({ connection: REDIS, prefix }) });
    this.app.topic("log", { history: { size: 1000 }, clientPublish: true });
    this.app.topic("room", { presence: true });
    this.app.on("add", ({ a, b }) => a + b);
    this.server = http.createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      const file = normalize(join(pageDir, path === "/" ? "index.html" : path));
      if (!file.startsWith(pageDir) || !existsSync(file)) return void res.writeHead(404).end();
      res
        .writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" })
        .end(readFileSync(file));
    });
    this.app.attach(this.server);
  }

  async listen(port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", resolve);
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await this.app.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Open connections and live subscriptions, from the server's own /metrics. */
  async gauges(port: number): Promise<{ connections: number; subscriptions: number }> {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const read = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1] ?? Number.NaN);
    return { connections: read("dashwire_connections"), subscriptions: read("dashwire_subscriptions") };
  }
}

const attr = (page: Page, id: string, name: string) => page.locator(`[data-testid=${id}]`).getAttribute(name);
const streamItems = (page: Page) => page.locator("[data-testid=stream] li").allTextContents();

describe.skipIf(!chromiumPath)("@dashwire/react in Chromium", () => {
  let pageDir: string;
  let browser: Browser;
  let server: AppServer;
  let port = 0;
  const prefix = `dw-react-${process.pid}-${Date.now()}:`;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    pageDir = mkdtempSync(join(tmpdir(), "dashwire-react-page-"));
    execFileSync(
      "npx",
      ["vite", "build", "--config", "packages/react/test/browser/vite.config.ts", "--outDir", pageDir, "--emptyOutDir"],
      { cwd: repoRoot, stdio: "ignore" },
    );
    server = new AppServer(pageDir, prefix);
    port = await server.listen(0);
    browser = await launchChromium(chromiumPath as string);
  }, 120_000);

  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (pageDir) rmSync(pageDir, { recursive: true, force: true });
  });

  async function open(): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    page.on("pageerror", (err) => console.error("page error:", err.message));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForSelector("[data-testid=conn][data-state=connected]", { timeout: 15_000 });
    await page.waitForSelector("[data-testid=stream][data-status=subscribed]", { state: "attached", timeout: 15_000 });
    return page;
  }

  it("StrictMode's double effects open one connection and one subscription per topic; unmounting releases", async () => {
    const before = await server.gauges(port);
    const page = await open();
    // StrictMode really double-ran the effects (a development build).
    expect(await page.evaluate(() => window.__probe.effectRuns)).toBe(2);
    await until(
      async () => (await server.gauges(port)).subscriptions - before.subscriptions === 3,
      5000,
      "3 subscriptions",
    );
    const after = await server.gauges(port);
    expect(after.connections - before.connections).toBe(1);
    // prices, log, room: one each, though each hook's effect ran twice.
    expect(after.subscriptions - before.subscriptions).toBe(3);
    await page.click("[data-testid=toggle-stream]");
    await until(
      async () => (await server.gauges(port)).subscriptions - before.subscriptions === 2,
      5000,
      "log released",
    );
    await page.click("[data-testid=toggle-stream]");
    await until(async () => (await server.gauges(port)).subscriptions - before.subscriptions === 3, 5000, "log again");
    expect((await server.gauges(port)).connections - before.connections).toBe(1);
    // Unmounting the provider closes its client: nothing is left open on the server.
    await page.click("[data-testid=toggle-provider]");
    await until(async () => (await server.gauges(port)).connections === before.connections, 5000, "client closed");
    expect((await server.gauges(port)).subscriptions).toBe(before.subscriptions);
    await page.click("[data-testid=toggle-provider]");
    await page.waitForSelector("[data-testid=conn][data-state=connected]", { timeout: 10_000 });
    await until(async () => (await server.gauges(port)).subscriptions - before.subscriptions === 3, 5000, "back");
    expect((await server.gauges(port)).connections - before.connections).toBe(1);
  });

  it("renders the latest value at most at its maxRate while the topic publishes at 60/s", async () => {
    const page = await open();
    const rendersBefore = await page.evaluate(() => window.__probe.latestRenders);
    const started = Date.now();
    // 120 publications at ~60/s, bounded in count.
    for (let n = 1; n <= 120; n++) {
      await server.app.publish("prices", { n }, { key: "acme" });
      await new Promise((r) => setTimeout(r, 1000 / 60));
    }
    await page.waitForSelector("[data-testid=latest][data-value='120']", { timeout: 5000 });
    const seconds = (Date.now() - started) / 1000;
    const renders = (await page.evaluate(() => window.__probe.latestRenders)) - rendersBefore;
    // maxRate 5 → ≤ 5 renders a second (×2: StrictMode renders each component twice in development), plus the last flush.
    console.log(
      `latest at ~${(120 / seconds).toFixed(0)}/s: ${renders} renders in ${seconds.toFixed(1)} s (maxRate 5, StrictMode ×2)`,
    );
    expect(renders).toBeGreaterThanOrEqual(2);
    expect(renders).toBeLessThanOrEqual(2 * (Math.ceil(seconds * 5) + 2));
  });

  it("shows a stream list, connection states across a server restart, and resumes without a gap", async () => {
    const page = await open();
    for (const line of ["a", "b", "c"]) await server.app.publish("log", line);
    await until(async () => (await streamItems(page)).join() === "a,b,c", 5000, "a,b,c listed");
    await server.close();
    await page.waitForSelector("[data-testid=conn][data-state=connecting]", { timeout: 5000 });
    // 1001: the server said it was going away.
    expect(await attr(page, "conn", "data-code")).toBe("1001");
    // Published while the page is cut off, by another node on the same Redis.
    const producer = createServer<TestSchema>({
      logLevel: "silent",
      broker: new RedisBroker({ connection: REDIS, prefix }),
    });
    producer.topic("log", { history: { size: 1000 } });
    for (const line of ["d", "e"]) await producer.publish("log", line);
    await producer.close();
    server = new AppServer(pageDir, prefix);
    await server.listen(port);
    await page.waitForSelector("[data-testid=conn][data-state=connected]", { timeout: 10_000 });
    await page.waitForSelector("[data-testid=stream][data-status=subscribed]", { state: "attached", timeout: 10_000 });
    await server.app.publish("log", "f");
    await until(async () => (await streamItems(page)).join() === "a,b,c,d,e,f", 5000, "a..f listed");
    expect(await attr(page, "stream", "data-recovered")).toBe("true");
    expect(await attr(page, "stream", "data-resets")).toBe("0");
  });

  it("shows presence of two pages, a server event, an emit's ack and a page's publication", async () => {
    const one = await open();
    await one.waitForSelector("[data-testid=presence][data-count='1']", { timeout: 5000 });
    const two = await open();
    await one.waitForSelector("[data-testid=presence][data-count='2']", { timeout: 5000 });
    await two.waitForSelector("[data-testid=presence][data-count='2']", { timeout: 5000 });
    for (const c of server.app.clients()) c.emit("notice", { text: "hello pages" });
    await one.waitForSelector("[data-testid=notice]:has-text('hello pages')", { timeout: 5000 });
    await two.click("[data-testid=emit]");
    await two.waitForSelector("[data-testid=reply]:has-text('5')", { timeout: 5000 });
    // A publication from one page, acked with its offset, reaches the other's stream list.
    await two.click("[data-testid=publish]");
    await two.waitForSelector("[data-testid=published]:not(:empty)", { timeout: 5000 });
    await one.waitForSelector("[data-testid=stream] li:has-text('from a page')", { state: "attached", timeout: 5000 });
    await (contexts.pop() as BrowserContext).close();
    await one.waitForSelector("[data-testid=presence][data-count='1']", { timeout: 5000 });
  });
});
