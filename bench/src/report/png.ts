import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";

/** Debian's Chromium, used headless to render the report. */
export const CHROMIUM = "/usr/bin/chromium";

/** Flags that keep headless Chromium off the (closed) network and working as root in a container. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
];

/**
 * Screenshots the element `#<elementId>` of an HTML file to a PNG with headless Chromium.
 * Returns undefined on success, or why it could not (no Chromium, launch failure).
 */
export async function renderPng(htmlPath: string, pngPath: string, elementId: string): Promise<string | undefined> {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} not found (apt-get install chromium)`;
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 }, deviceScaleFactor: 2 });
    await page.goto(pathToFileURL(htmlPath).href);
    await page.locator(`#${elementId}`).screenshot({ path: pngPath });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await browser.close();
  }
}
