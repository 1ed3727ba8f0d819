/**
 * Managing dashboards in real headless Chromium against the real app: export a dashboard (the
 * file the page saves), import it back (the same dashboard), see every field at fault of a bad
 * import, import a taken id as a copy, and duplicate a dashboard (a new id, the same panels).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, launchChromium } from "../../../../scripts/chromium.js";
import { createDashboardApp, type DashboardApp } from "../../src/index.js";
import { buildUiToTemp } from "./build-ui.js";

const chromiumPath = findChromium();
if (!chromiumPath) console.warn("dashboard management browser tests skipped: chromium is not installed");

/** A dashboard using most of what the schema has: variables, options, thresholds. */
const board = {
  id: "shared",
  title: "Shared board",
  variables: [{ name: "host", tag: "host", match: "cpu.usage,", default: "web-1" }],
  panels: [
    { id: "cpu", kind: "timeseries", title: "CPU $host", series: ["cpu.usage,host=$host"], windowSec: 120, unit: "%" },
    {
      id: "rps",
      kind: "stat",
      title: "RPS",
      series: ["http.requests_per_sec,service=api"],
      maxRate: 4,
      thresholds: [{ value: 100, color: "red" }],
    },
    { id: "who", kind: "online", title: "Viewing", series: [] },
  ],
};

describe.skipIf(!chromiumPath)("managing dashboards in Chromium", () => {
  let app: DashboardApp;
  let browser: Browser;
  let dataDir: string;
  let uiDir: string;
  let downloads: string;

  const api = (path: string, init?: RequestInit) => fetch(`${app.url}/api/v1${path}`, init);
  const getBoard = async (id: string) => (await (await api(`/dashboards/${id}`)).json()) as Record<string, unknown>;

  beforeAll(async () => {
    uiDir = buildUiToTemp("dashwire-ui-manage-");
    dataDir = mkdtempSync(join(tmpdir(), "dashwire-manage-"));
    downloads = mkdtempSync(join(tmpdir(), "dashwire-downloads-"));
    app = await createDashboardApp({ port: 0, host: "127.0.0.1", dataDir, uiDir, demo: true, logLevel: "error" });
    const res = await api("/dashboards", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(board),
    });
    expect(res.status).toBe(201);
    browser = await launchChromium(chromiumPath as string);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    for (const dir of [dataDir, uiDir, downloads]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(hash: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 }, acceptDownloads: true });
    page.on("pageerror", (err) => console.error("page error:", err.message));
    await page.goto(`${app.url}/${hash}`);
    await page.waitForSelector('[data-testid=conn-state][data-state="connected"]', { timeout: 10_000 });
    return page;
  }

  const card = (page: Page, id: string) => page.locator(`[data-testid=dashboard-card][data-id="${id}"]`);

  it("exports a dashboard, and importing the file gives the same dashboard", async () => {
    const page = await open("#/");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      card(page, "shared").locator("[data-testid=card-export]").click(),
    ]);
    expect(download.suggestedFilename()).toBe("shared.json");
    const file = join(downloads, "shared.json");
    await download.saveAs(file);
    const exported = JSON.parse(readFileSync(file, "utf8")) as unknown;
    expect(exported).toEqual(board);

    // Gone from the server, then imported from the file: the same dashboard again.
    expect((await api("/dashboards/shared", { method: "DELETE" })).status).toBe(204);
    await page.reload();
    await page.click("[data-testid=import-dashboard]");
    await page.setInputFiles("[data-testid=import-file]", file);
    await expect.poll(() => page.inputValue("[data-testid=import-text]")).toContain('"id": "shared"');
    await page.click("[data-testid=import-submit]");
    await page.waitForURL(/#\/d\/shared$/);
    await page.waitForSelector("[data-panel-id=cpu]");
    expect(await getBoard("shared")).toEqual(board);
    await page.close();
  });

  it("lists every field at fault of a bad import, and imports a taken id as a copy", async () => {
    const page = await open("#/");
    await page.click("[data-testid=import-dashboard]");
    await page.fill("[data-testid=import-text]", "{ not json");
    await page.click("[data-testid=import-submit]");
    const errors = page.locator("[data-testid=import-errors] li");
    await expect.poll(() => errors.allTextContents()).toEqual([expect.stringMatching(/^Not JSON: /)]);

    const bad = {
      ...board,
      id: "bad",
      title: "",
      panels: [
        { ...board.panels[0], kind: "pie" },
        { ...board.panels[1], maxRate: 0 },
      ],
    };
    await page.fill("[data-testid=import-text]", JSON.stringify(bad));
    await page.click("[data-testid=import-submit]");
    await expect
      .poll(() => errors.allTextContents())
      .toEqual([
        expect.stringMatching(/^title: /),
        expect.stringMatching(/^panels\.0\.kind: /),
        expect.stringMatching(/^panels\.1\.maxRate: /),
      ]);
    expect((await api("/dashboards/bad")).status).toBe(404);

    // The id is taken: said so, and "with a new id" stores a copy beside it.
    await page.fill("[data-testid=import-text]", JSON.stringify(board));
    await page.click("[data-testid=import-submit]");
    await expect.poll(() => errors.allTextContents()).toEqual(["dashboard shared already exists"]);
    await page.click("[data-testid=import-copy]");
    await page.waitForURL(/#\/d\/shared-board$/);
    const { id, ...rest } = await getBoard("shared-board");
    const { id: _orig, ...original } = board;
    expect(id).toBe("shared-board");
    expect(rest).toEqual(original);
    await page.close();
  });

  it("duplicates a dashboard under a new id", async () => {
    const page = await open("#/");
    await card(page, "shared").locator("[data-testid=card-duplicate]").click();
    await page.waitForURL(/#\/d\/shared-board-copy$/);
    await page.waitForSelector("[data-panel-id=rps]");
    const copy = await getBoard("shared-board-copy");
    expect(copy).toEqual({ ...board, id: "shared-board-copy", title: "Shared board (copy)" });
    // The original is untouched.
    expect(await getBoard("shared")).toEqual(board);
    await page.close();
  });

  it("arranges panels by drag and resize, and the layout survives a reload", async () => {
    const stat = (id: string) => ({ id, kind: "stat", title: id.toUpperCase(), series: ["app.users_online"] });
    const layoutBoard = { id: "arranged", title: "Arranged", panels: [stat("a"), stat("b"), stat("c")] };
    expect(
      (
        await api("/dashboards", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(layoutBoard),
        })
      ).status,
    ).toBe(201);
    const page = await open("#/d/arranged");
    const item = (id: string) => page.locator(`.grid-stack-item[gs-id="${id}"]`);
    const place = (id: string) =>
      item(id).evaluate((el) => ["gs-x", "gs-y", "gs-w", "gs-h"].map((a) => Number(el.getAttribute(a) ?? 0)));
    await item("c").waitFor();
    // Flowed in order at a stat's size (3 × 4): a, b, c side by side.
    expect([await place("a"), await place("b"), await place("c")]).toEqual([
      [0, 0, 3, 4],
      [3, 0, 3, 4],
      [6, 0, 3, 4],
    ]);
    const grid = (await page.locator("[data-testid=panel-grid]").boundingBox()) as { x: number; width: number };
    const col = grid.width / 12;

    await page.click("[data-testid=arrange-toggle]");
    // Drag c by its header to the first column: a and b make room.
    const head = (await item("c").locator(".panel__head").boundingBox()) as { x: number; y: number; height: number };
    await page.mouse.move(head.x + 20, head.y + head.height / 2);
    await page.mouse.down();
    await page.mouse.move(head.x - 3 * col, head.y + 10, { steps: 8 });
    await page.mouse.move(grid.x + 20, head.y + head.height / 2, { steps: 8 });
    await page.mouse.up();
    await expect.poll(() => place("c")).toEqual([0, 0, 3, 4]);
    // Resize a from its corner: three columns wider, two rows taller.
    const handle = item("a").locator(".ui-resizable-se");
    const h = (await handle.boundingBox()) as { x: number; y: number; width: number; height: number };
    await page.mouse.move(h.x + h.width / 2, h.y + h.height / 2);
    await page.mouse.down();
    await page.mouse.move(h.x + col * 1.5, h.y + 50, { steps: 6 });
    await page.mouse.move(h.x + col * 3 + h.width / 2, h.y + 100 + h.height / 2, { steps: 6 });
    await page.mouse.up();
    await expect.poll(async () => (await place("a")).slice(2)).toEqual([6, 6]);
    const arranged = { a: await place("a"), b: await place("b"), c: await place("c") };
    await page.click("[data-testid=layout-save]");
    await expect.poll(() => page.locator("[data-testid=arrange-toggle]").count()).toBe(1);

    // Stored with the dashboard: each panel's grid is where it was left.
    const saved = (await getBoard("arranged")) as {
      panels: { id: string; grid: { x: number; y: number; w: number; h: number } }[];
    };
    for (const p of saved.panels) {
      const [x, y, w, hh] = arranged[p.id as "a" | "b" | "c"];
      expect(p.grid, p.id).toEqual({ x, y, w, h: hh });
    }
    await page.reload();
    await item("c").waitFor();
    expect({ a: await place("a"), b: await place("b"), c: await place("c") }).toEqual(arranged);
    // The panels are live in their new places.
    await expect
      .poll(() => item("a").locator("[data-testid=stat-value]").getAttribute("data-value"), { timeout: 5000 })
      .not.toBeNull();
    await page.close();
  });
});
