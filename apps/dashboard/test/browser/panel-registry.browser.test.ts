/**
 * The panel registry in Chromium: a kind that exists only in this test (`fixtures/
 * test-panel-kind.ts`: a spec with an option of its own, a renderer, one line in each registry)
 * is offered by the real editor with its fields, saved with its option, and drawn by its own
 * renderer through the real factory, with no edit to any of them. (Its schema side is in
 * `src/panels/panel-kinds.test.ts`.)
 */
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import type { Rollup } from "vite";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, launchChromium } from "../../../../scripts/chromium.js";
import type { Panel } from "../../ui/src/api.js";
import type {} from "./fixtures/test-panel-kind.js";

const chromiumPath = findChromium();
if (!chromiumPath) console.warn("panel registry browser tests skipped: chromium is not installed");

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** Bundles the fixture with the UI's own Vite config (its aliases), as one script. */
async function bundleFixture(): Promise<string> {
  const out = (await build({
    configFile: here("../../ui/vite.config.ts"),
    logLevel: "silent",
    build: {
      write: false,
      sourcemap: false,
      minify: false,
      lib: { entry: here("./fixtures/test-panel-kind.ts"), formats: ["iife"], name: "registryFixtureBundle" },
    },
  })) as Rollup.RollupOutput[] | Rollup.RollupOutput;
  const chunks = (Array.isArray(out) ? out : [out]).flatMap((o) => o.output);
  const js = chunks.find((c): c is Rollup.OutputChunk => c.type === "chunk");
  if (js === undefined) throw new Error("the fixture bundle has no script");
  return js.code;
}

describe.skipIf(!chromiumPath)("a panel kind registered in a test", () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const script = await bundleFixture();
    browser = await launchChromium(chromiumPath as string);
    page = await browser.newPage();
    page.on("pageerror", (err) => console.error("page error:", err.message));
    await page.setContent('<main><div id="editors"></div><div id="view"></div></main>');
    await page.addScriptTag({ content: script });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  const heat = { id: "h", kind: "heatmap", title: "Heat", series: ["ignored,k=v"], cells: 6 } as unknown as Panel;
  const stat: Panel = { id: "s", kind: "stat", title: "Stat", series: ["cpu,host=a"], unit: "%" };

  it("is offered by the editor, with its own fields", async () => {
    await page.evaluate((list) => window.registryFixture.edit(list), [heat, stat]);
    const editors = page.locator("[data-testid=panel-editor]");
    await expect.poll(() => editors.count()).toBe(2);
    const kinds = await editors
      .nth(1)
      .locator("[data-testid=panel-kind] option")
      .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(kinds).toEqual(["timeseries", "stat", "gauge", "table", "online", "heatmap"]);
    const first = editors.nth(0);
    expect(await first.locator("[data-testid=panel-kind]").inputValue()).toBe("heatmap");
    expect(await first.locator(".field__label").allTextContents()).toEqual(["Cells", "Unit"]);
    const cells = first.locator("input[type=number]");
    expect(await cells.inputValue()).toBe("6");
    expect(await cells.getAttribute("min")).toBe("1");
    expect(await cells.getAttribute("placeholder")).toBe("4");
    // No series: its note stands in for the picker.
    expect(await first.locator("[data-testid=series-input]").count()).toBe(0);
    expect(await first.textContent()).toContain("Cells of colour, no series.");
  });

  it("takes over a panel switched to it, and saves its option without the series", async () => {
    const second = page.locator("[data-testid=panel-editor]").nth(1);
    expect(await second.locator(".field__label").allTextContents()).toEqual([
      "Series",
      "Window (s)",
      "Max rate (/s)",
      "Unit",
      "Thresholds",
    ]);
    await second.locator("[data-testid=panel-kind]").selectOption("heatmap");
    const switched = page.locator("[data-testid=panel-editor]").nth(1);
    await expect.poll(() => switched.locator(".field__label").allTextContents()).toEqual(["Cells", "Unit"]);
    await switched.locator("input[type=number]").fill("3");
    expect((await page.evaluate(() => window.registryFixture.saved())).panels).toEqual([
      { id: "h", kind: "heatmap", title: "Heat", series: [], cells: 6 },
      { id: "s", kind: "heatmap", title: "Stat", series: [], cells: 3, unit: "%" },
    ]);
  });

  it("leaves the built-in kinds' editors as they were", async () => {
    const scalars = ["Series", "Window (s)", "Max rate (/s)"];
    const expected: Record<string, string[]> = {
      timeseries: [...scalars, "Min", "Max", "Unit", "Thresholds"],
      stat: [...scalars, "Unit", "Thresholds"],
      gauge: [...scalars, "Min", "Max", "Unit", "Thresholds"],
      table: [...scalars, "Unit", "Thresholds"],
      online: [],
    };
    const list = Object.keys(expected).map((kind) => ({ ...stat, id: kind, kind }) as Panel);
    await page.evaluate((l) => window.registryFixture.edit(l), list);
    const editors = page.locator("[data-testid=panel-editor]");
    await expect.poll(() => editors.count()).toBe(5);
    const seen: Record<string, string[]> = {};
    for (let i = 0; i < 5; i++) {
      const e = editors.nth(i);
      seen[(await e.getAttribute("data-panel-id")) ?? ""] = await e.locator(".field__label").allTextContents();
    }
    expect(seen).toEqual(expected);
    expect(await editors.nth(4).textContent()).toContain("Shows who is viewing this dashboard (presence).");
    const windowInput = editors.nth(0).locator("input[type=number]").first();
    expect(await windowInput.getAttribute("min")).toBe("10");
    expect(await windowInput.getAttribute("placeholder")).toBe("300");
  });

  it("is drawn by its own renderer through the factory", async () => {
    expect(await page.evaluate((def) => window.registryFixture.draw(def), heat)).toBe(true);
    const panel = page.locator("#view [data-testid=panel][data-panel-id=h]");
    expect(await panel.getAttribute("data-kind")).toBe("heatmap");
    expect(await panel.getAttribute("class")).toBe("panel panel--heatmap");
    expect(await panel.locator(".panel__kind").textContent()).toBe("Heatmap");
    expect(await panel.locator("[data-testid=heat] .cell").count()).toBe(6);
    // The built-in kinds still draw with theirs: an unknown kind falls back to a table.
    const unknown = { ...stat, id: "u", kind: "pie", series: [] } as unknown as Panel;
    expect(await page.evaluate((def) => window.registryFixture.draw(def), unknown)).toBe(false);
    expect(await page.locator("#view [data-panel-id=u] .panel__kind").textContent()).toBe("pie");
    expect(await page.locator("#view [data-panel-id=u] .empty").textContent()).toBe("No series chosen");
  });
});
