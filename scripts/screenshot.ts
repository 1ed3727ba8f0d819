/**
 * Takes the README's screenshots from the real UI in headless Chromium: a fresh app with the demo
 * feed and 14 minutes of its history, two alert rules (one firing on the latency chart, one ok on
 * the CPU chart) and two annotations (a deploy, an incident span); `docs/img/dashboard.png` is the
 * demo dashboard over the last 15 minutes with its `host` variable on web-2, `docs/img/alerts.png`
 * the alerts page. Run it after a UI change:
 *
 *   npx tsx scripts/screenshot.ts [--out docs/img/dashboard.png] [--alerts-out docs/img/alerts.png] [--light]
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

/** POSTs JSON to the app; throws unless it answers 2xx. */
async function post(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
}

/**
 * Alert rules and annotations on the demo: the p99 latency rule's threshold is set under the
 * last minute's mean so that it fires at its first round (the demo's values are random), the CPU
 * rule stays ok; a deploy 9 minutes ago and an incident from 6 to 4 minutes ago.
 */
async function decorate(base: string, now: number): Promise<void> {
  const p99 = "http.latency_ms,quantile=p99,service=api";
  const q = new URLSearchParams({ series: p99, from: String(now - 60_000), to: String(now), step: "1000" });
  const answer = (await (await fetch(`${base}/api/v1/query?${q}`)).json()) as { points: number[][] };
  let count = 0;
  let sum = 0;
  for (const p of answer.points) {
    count += p[1] ?? 0;
    sum += p[2] ?? 0;
  }
  const threshold = Math.round((0.8 * sum) / Math.max(count, 1));
  await post(`${base}/api/v1/alerts`, {
    id: "api-latency",
    title: "API p99 latency high",
    series: p99,
    op: "above",
    threshold,
    reduce: "mean",
    windowSec: 30,
    dashboard: "demo",
    panel: "latency",
  });
  await post(`${base}/api/v1/alerts`, {
    id: "web-3-cpu",
    title: "web-3 CPU above 95%",
    series: "cpu.usage,host=web-3",
    op: "above",
    threshold: 95,
    forSec: 60,
  });
  await post(`${base}/api/v1/annotations`, { text: "deploy api v2.4.0", tags: ["deploy"], time: now - 9 * 60_000 });
  await post(`${base}/api/v1/annotations`, {
    text: "db failover",
    tags: ["incident"],
    time: now - 6 * 60_000,
    timeEnd: now - 4 * 60_000,
    dashboard: "demo",
  });
}

/** The hash of the view shown. */
export const SCREENSHOT_VIEW = "#/d/demo?from=now-15m&to=now&var-host=web-2";

async function main(argv: string[]): Promise<void> {
  const at = argv.indexOf("--out");
  const out = resolve(at >= 0 && argv[at + 1] ? (argv[at + 1] as string) : join(root, "docs/img/dashboard.png"));
  const aat = argv.indexOf("--alerts-out");
  const alertsOut = resolve(aat >= 0 && argv[aat + 1] ? (argv[aat + 1] as string) : join(root, "docs/img/alerts.png"));
  const chromium = findChromium();
  if (!chromium) throw new Error("chromium is not installed (bash scripts/setup.sh --browser)");
  const uiDir = buildUiToTemp("dashwire-ui-shot-");
  const dataDir = mkdtempSync(join(tmpdir(), "dashwire-shot-"));
  const app = await createDashboardApp({ port: 0, host: "127.0.0.1", dataDir, uiDir, demo: true, logLevel: "error" });
  const browser = await launchChromium(chromium);
  try {
    // 14 minutes: the last 15 are shown, and the store takes points up to 15 minutes old.
    await warmDemoHistory(app.url, Date.now(), 14 * 60_000);
    await decorate(app.url, Date.now());
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
    // The latency rule fired (its first round) and the markers are drawn.
    await page.waitForSelector('[data-panel-id=latency][data-alert="firing"]', { timeout: 15_000 });
    await page.waitForSelector("[data-panel-id=latency] [data-testid=annotation-marker]", { timeout: 15_000 });
    await page.waitForTimeout(500);
    mkdirSync(dirname(out), { recursive: true });
    await page.screenshot({ path: out, fullPage: true });
    console.log(`screenshot: ${out} (${Math.round(statSync(out).size / 1024)} KiB)`);
    await page.setViewportSize({ width: 1440, height: 640 });
    await page.goto(`${app.url}/#/alerts`);
    await page.waitForSelector('[data-testid=alert-rule][data-state="firing"]', { timeout: 15_000 });
    await page.waitForSelector("[data-testid=alert-transition]", { timeout: 15_000 });
    await page.screenshot({ path: alertsOut, fullPage: true });
    console.log(`screenshot: ${alertsOut} (${Math.round(statSync(alertsOut).size / 1024)} KiB)`);
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
