/**
 * A panel of ten series loads its history in one request (`POST /api/v1/query`), in real
 * headless Chromium against the real app: the page's requests are counted. It used to send one
 * `GET /api/v1/query` a series. A past range is read once (no live subscription), so exactly one
 * request; a live one sends its first back-fill for all ten series at once too.
 */
import type { Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium } from "../../../../scripts/chromium.js";
import type { DebugView } from "../../ui/src/debug-view.js";
import { type BrowserApp, PAGE_WAIT, startBrowserApp } from "./browser-app.js";

const chromiumPath = findChromium();
if (!chromiumPath) console.warn("query batch browser tests skipped: chromium is not installed");

const HOSTS = Array.from({ length: 10 }, (_, i) => `h${i}`);
const SERIES = HOSTS.map((h) => `qb.load,host=${h}`);

/** A page with every `/api/v1/query` request it makes recorded from its first one on. */
async function openCounting(t: BrowserApp, hash: string): Promise<{ page: Page; queries: Request[] }> {
  const page = await t.browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on("pageerror", (err) => console.error("page error:", err.message));
  const queries: Request[] = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname.endsWith("/api/v1/query")) queries.push(r);
  });
  await page.goto(`${t.app.url}/${hash}`);
  return { page, queries };
}

/** The series a recorded `POST /api/v1/query` named, sorted. */
function named(r: Request | undefined): string[] {
  return ((r?.postDataJSON() as { series?: string[] } | null)?.series ?? []).sort();
}

/** Bucket counts of the panel's feeds, by series. */
async function held(page: Page): Promise<Record<string, number>> {
  const view = await page.evaluate(() => window.__dashwire?.view() as DebugView | undefined);
  const feeds = view?.panels.find((p) => p.id === "ten")?.feeds ?? [];
  return Object.fromEntries(feeds.map((f) => [f.series, f.t.length]));
}

describe.skipIf(!chromiumPath)("a ten-series panel in Chromium", () => {
  let t: BrowserApp;
  let from = 0;
  let to = 0;

  beforeAll(async () => {
    t = await startBrowserApp(chromiumPath as string, "qbatch");
    // Five points a series, 3 to 2 minutes ago.
    const now = Math.floor(Date.now() / 1000) * 1000;
    from = now - 180_000;
    to = now - 120_000;
    const points = HOSTS.flatMap((host, i) =>
      Array.from({ length: 5 }, (_, k) => ({ name: "qb.load", tags: { host }, value: i, ts: from + k * 1000 })),
    );
    expect((await t.post("/api/v1/metrics", points)).status).toBe(200);
    const board = {
      id: "qb",
      title: "Ten",
      panels: [{ id: "ten", kind: "timeseries", title: "Load", series: SERIES, windowSec: 300 }],
    };
    expect((await t.post("/api/v1/dashboards", board)).status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it("reads a past range of ten series with one request", async () => {
    const { page, queries } = await openCounting(t, `#/d/qb?from=${from - 60_000}&to=${to}`);
    const all = Object.fromEntries(SERIES.map((s) => [s, 5]));
    await expect.poll(() => held(page), { timeout: PAGE_WAIT }).toEqual(all);
    expect(queries.map((r) => r.method())).toEqual(["POST"]);
    expect(named(queries[0])).toEqual([...SERIES].sort());
    await page.close();
  }, 120_000);

  it("back-fills a live panel's ten series in its first request", async () => {
    const { page, queries } = await openCounting(t, "#/d/qb");
    const all = Object.fromEntries(SERIES.map((s) => [s, 5]));
    await expect.poll(() => held(page), { timeout: PAGE_WAIT }).toEqual(all);
    expect(queries.every((r) => r.method() === "POST")).toBe(true);
    expect(named(queries[0])).toEqual([...SERIES].sort());
    await page.close();
  }, 120_000);
});
