/**
 * Takes the README's screenshot (`docs/img/dashboard.png`) from the real UI in headless Chromium:
 * a fresh app with the demo feed and 14 minutes of its history, the demo dashboard over the last
 * 15 minutes with its `host` variable on web-2. Run it after a UI change:
 *
 *   npx tsx scripts/screenshot.ts [--out docs/img/dashboard.png] [--light]
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createDashboardApp } from "../apps/dashboard/src/index.js";
import { buildUiToTemp } from "../apps/dashboard/test/browser/build-ui.js";
import type {} from "../apps/dashboard/ui/src/debug-view.js";
import { findChromium, launchChromium } from "./chromium.js";
import { warmDemoHistory } from "./demo-history.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The hash of the view shown. */
export const SCREENSHOT_VIEW = "#/d/demo?from=now-15m&to=now&var-host=web-2";

async function main(argv: string[]): Promise<void> {
  const at = argv.indexOf("--out");
  const out = resolve(at >= 0 && argv[at + 1] ? (argv[at + 1] as string) : join(root, "docs/img/dashboard.png"));
  const chromium = findChromium();
  if (!chromium) throw new Error("chromium is not installed (bash scripts/setup.sh --browser)");
  const uiDir = buildUiToTemp("dashwire-ui-shot-");
  const dataDir = mkdtempSync(join(tmpdir(), "dashwire-shot-"));
  const app = await createDashboardApp({ port: 0, host: "127.0.0.1", dataDir, uiDir, demo: true, logLevel: "error" });
  const browser = await launchChromium(chromium);
  try {
    // 14 minutes: the last 15 are shown, and the store takes points up to 15 minutes old.
    await warmDemoHistory(app.url, Date.now(), 14 * 60_000);
    const page = await browser.newPage({
      // Tall enough for every panel to be on screen (panels off screen do not render).
      viewport: { width: 1440, height: 1500 },
      colorScheme: argv.includes("--light") ? "light" : "dark",
    });
    await page.goto(`${app.url}/${SCREENSHOT_VIEW}`);
    await page.waitForSelector('[data-testid=conn-state][data-state="connected"]', { timeout: 15_000 });
    // Every chart holds its history (ten minutes at least, in seconds or 10 s buckets).
    await page.waitForFunction(
      () => {
        const v = window.__dashwire?.view();
        const charts = v?.panels.filter((p) => p.kind === "timeseries") ?? [];
        return charts.length > 0 && charts.every((p) => p.feeds.every((f) => f.t.length * f.step >= 500_000));
      },
      undefined,
      { timeout: 15_000 },
    );
    await page.waitForTimeout(500);
    mkdirSync(dirname(out), { recursive: true });
    await page.screenshot({ path: out, fullPage: true });
    console.log(`screenshot: ${out} (${Math.round(statSync(out).size / 1024)} KiB)`);
  } finally {
    await browser.close();
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(uiDir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
