/**
 * Annotations in real headless Chromium against the real app: markers of the range shown on a
 * time-series chart (a line and a flag whose hover shows the text), a new one POSTed through the
 * API appearing live on an open page, a deleted one going, those of another dashboard or panel
 * left out, and an older one found when the range looks back at it.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium } from "../../../../scripts/chromium.js";
import { feed } from "../alerts/webhook-receiver.js";
import { type BrowserApp, PAGE_WAIT, startBrowserApp } from "./browser-app.js";

const chromiumPath = findChromium();
if (!chromiumPath) console.warn("annotation browser tests skipped: chromium is not installed");

describe.skipIf(!chromiumPath)("annotations in Chromium", () => {
  let t: BrowserApp;
  let points: { stop(): Promise<void> } | undefined;
  const post = (path: string, body: unknown) => t.post(path, body);
  const open = (hash: string) => t.open(hash, "[data-panel-id=chart] [data-testid=chart] canvas");

  beforeAll(async () => {
    t = await startBrowserApp(chromiumPath as string, "annot");
    const board = {
      id: "an",
      title: "Annotated",
      panels: [
        { id: "chart", kind: "timeseries", title: "Load", series: ["an.load"], windowSec: 300 },
        { id: "other", kind: "timeseries", title: "Other", series: ["an.load"], windowSec: 300 },
      ],
    };
    expect((await post("/api/v1/dashboards", board)).status).toBe(201);
    points = feed(t.app.url, "an.load", () => 5);
  }, 120_000);

  afterAll(async () => {
    await points?.stop();
    await t?.close();
  });

  /** Ids of the markers on a panel's chart. */
  const markers = (page: Page, panel: string) =>
    page
      .locator(`[data-panel-id=${panel}] [data-testid=annotation-marker]`)
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-id")).sort());

  it("draws the range's annotations, adds one POSTed live, drops a deleted one, keeps others' out", async () => {
    const now = Date.now();
    expect(
      (await post("/api/v1/annotations", { id: "before", text: "deploy v1", tags: ["deploy"], time: now - 120_000 }))
        .status,
    ).toBe(201);
    const page = await open("#/d/an");
    await page.waitForSelector("[data-panel-id=chart] [data-testid=annotation-marker][data-id=before]", {
      timeout: PAGE_WAIT,
    });
    // Its text on hover.
    await page.hover("[data-panel-id=chart] [data-testid=annotation-marker][data-id=before]");
    const tip = page.locator("[data-panel-id=chart] [data-id=before] [role=tooltip]");
    await expect.poll(() => tip.isVisible(), { timeout: PAGE_WAIT }).toBe(true);
    expect(await tip.textContent()).toContain("deploy v1");
    expect(await tip.textContent()).toContain("#deploy");

    // Posted while the page is open: on the chart without a reload.
    const navigations: string[] = [];
    page.on("framenavigated", (f) => navigations.push(f.url()));
    expect((await post("/api/v1/annotations", { id: "live", text: "incident", tags: ["incident"] })).status).toBe(201);
    // Another dashboard's, and one for the other panel only.
    expect((await post("/api/v1/annotations", { id: "elsewhere", text: "x", dashboard: "not-this" })).status).toBe(201);
    expect((await post("/api/v1/annotations", { id: "mine", text: "y", dashboard: "an", panel: "other" })).status).toBe(
      201,
    );
    await page.waitForSelector("[data-panel-id=chart] [data-testid=annotation-marker][data-id=live]", {
      timeout: PAGE_WAIT,
    });
    await page.waitForSelector("[data-panel-id=other] [data-testid=annotation-marker][data-id=mine]", {
      timeout: PAGE_WAIT,
    });
    expect(await markers(page, "chart")).toEqual(["before", "live"]);
    expect(await markers(page, "other")).toEqual(["before", "live", "mine"]);
    expect(navigations).toEqual([]);

    const del = await fetch(`${t.app.url}/api/v1/annotations/before`, { method: "DELETE" });
    expect(del.status).toBe(204);
    await page.waitForSelector("[data-panel-id=chart] [data-testid=annotation-marker][data-id=before]", {
      state: "detached",
      timeout: PAGE_WAIT,
    });
    expect(await markers(page, "chart")).toEqual(["live"]);
    await page.close();
  }, 90_000);

  it("shows an older annotation when the range looks back at it", async () => {
    const old = Date.now() - 40 * 60_000;
    expect(
      (await post("/api/v1/annotations", { id: "old", text: "migration", time: old, timeEnd: old + 60_000 })).status,
    ).toBe(201);
    // The panels' own windows (5 minutes): not there.
    const page = await open("#/d/an");
    await page.waitForSelector("[data-panel-id=chart] [data-testid=annotation-marker][data-id=live]", {
      timeout: PAGE_WAIT,
    });
    expect(await markers(page, "chart")).not.toContain("old");
    // The last hour: there.
    await page.click("[data-testid=range-picker]");
    await page.click(`[data-testid=range-preset][data-span="${3_600_000}"]`);
    await page.waitForSelector("[data-panel-id=chart] [data-testid=annotation-marker][data-id=old]", {
      timeout: PAGE_WAIT,
    });
    // A link to a past range around it: there after a load, nothing else.
    await page.close();
    const past = await open(`#/d/an?from=${old - 300_000}&to=${old + 300_000}`);
    await past.waitForSelector("[data-panel-id=chart] [data-testid=annotation-marker][data-id=old]", {
      timeout: PAGE_WAIT,
    });
    expect(await markers(past, "chart")).toEqual(["old"]);
    await past.close();
  }, 90_000);
});
