import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../../../../scripts/chromium.js";
import type { DashboardOptions } from "../../src/config/options.js";
import { createDashboardApp, type DashboardApp } from "../../src/index.js";
import { buildUiToTemp } from "./build-ui.js";

/** How long a page may take to connect or show something on a loaded machine (a backstop, not the mechanism). */
export const PAGE_WAIT = 30_000;

/** The real app with the UI built from the current sources, and a headless Chromium to open it. */
export interface BrowserApp {
  app: DashboardApp;
  browser: Browser;
  /** POSTs JSON to the app. */
  post(path: string, body: unknown): Promise<Response>;
  /** Opens `hash` in a new page, waits for the live connection and for `ready`; dialogs are accepted. */
  open(hash: string, ready: string): Promise<Page>;
  /** Closes the browser and the app and removes their directories. */
  close(): Promise<void>;
}

/** Starts the app (no demo feed, a fresh data dir, `options` on top) and Chromium at `chromiumPath`. */
export async function startBrowserApp(
  chromiumPath: string,
  prefix: string,
  options: Partial<DashboardOptions> = {},
): Promise<BrowserApp> {
  const uiDir = buildUiToTemp(`dashwire-ui-${prefix}-`);
  const dataDir = mkdtempSync(join(tmpdir(), `dashwire-${prefix}-`));
  const app = await createDashboardApp({
    port: 0,
    host: "127.0.0.1",
    dataDir,
    uiDir,
    demo: false,
    logLevel: "error",
    ...options,
  });
  const browser = await launchChromium(chromiumPath);
  return {
    app,
    browser,
    post: (path, body) =>
      fetch(`${app.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    async open(hash, ready) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.on("pageerror", (err) => console.error("page error:", err.message));
      page.on("dialog", (d) => void d.accept());
      await page.goto(`${app.url}/${hash}`);
      await page.waitForSelector('[data-testid=conn-state][data-state="connected"]', { timeout: PAGE_WAIT });
      await page.waitForSelector(ready, { timeout: PAGE_WAIT });
      return page;
    },
    async close() {
      await browser.close();
      await app.close();
      for (const dir of [dataDir, uiDir]) rmSync(dir, { recursive: true, force: true });
    },
  };
}
