/**
 * The UI when reads need a key (issue 12, item 5), in real Chromium: with `--no-public-read` it
 * shows the sign-in instead of the app, refuses a wrong key with the server's reason, and with
 * the right key (kept for the tab's session, used for the API and as the socket's connect token)
 * shows live data; a key the server refuses later (an API call's 401, the socket's 4500) sends
 * the user back to the sign-in; sign-out forgets the key.
 */
import { rmSync } from "node:fs";
import { CloseCode } from "@dashwire/protocol";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, launchChromium } from "../../../../scripts/chromium.js";
import { parseApiKey } from "../../src/auth/api-keys.js";
import { startApp, type TestApp } from "../api/helpers.js";
import { buildUiToTemp } from "./build-ui.js";

const chromiumPath = findChromium();
if (!chromiumPath) console.warn("sign-in browser tests skipped: chromium is not installed");

const READER = "reader-key-0001";
const ADMIN = "admin-key-00001";

describe.skipIf(!chromiumPath)("sign-in in Chromium", () => {
  let uiDir: string;
  let t: TestApp;
  let open: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    uiDir = buildUiToTemp("dashwire-ui-signin-");
    const apiKeys = [parseApiKey(`${READER}:read`), parseApiKey(`${ADMIN}:admin`)];
    t = await startApp({ uiDir, apiKeys, publicRead: false, demo: true });
    open = await startApp({ uiDir, apiKeys, demo: true }); // public reads, keys for writes
    browser = await launchChromium(chromiumPath as string);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await open?.close();
    if (uiDir) rmSync(uiDir, { recursive: true, force: true });
  });

  async function newPage(): Promise<Page> {
    const page = await browser.newPage();
    page.on("pageerror", (err) => console.error("page error:", err.message));
    return page;
  }
  const stored = (page: Page) => page.evaluate(() => sessionStorage.getItem("dashwire.apiKey"));
  const signIn = async (page: Page, key: string) => {
    await page.fill("[data-testid=signin-key]", key);
    await page.click("[data-testid=signin-submit]");
  };
  /** The demo dashboard's "Requests / s" stat, once live data reached it. */
  const liveValue = (page: Page) =>
    expect
      .poll(() => page.locator("[data-panel-id=rps] [data-testid=stat-value]").getAttribute("data-value"), {
        timeout: 10_000,
      })
      .not.toBeNull();

  it("shows the sign-in, refuses a wrong key with a message, and shows live data with the right key", async () => {
    const page = await newPage();
    await page.goto(`${t.app.url}/#/d/demo`);
    await page.waitForSelector("[data-testid=signin]");
    expect(await page.textContent("[data-testid=signin-reason]")).toBe(
      "This dashwire needs an API key to show its dashboards.",
    );
    expect(await page.locator("[data-testid=panel]").count()).toBe(0);
    // Nothing was shown without a key, and no socket carried data.
    expect(t.app.server.stats.messagesOut).toBe(0);

    await signIn(page, "wrong-key-00001");
    await page.waitForSelector("[data-testid=signin-error]:not([hidden])");
    expect(await page.textContent("[data-testid=signin-error]")).toBe("This key was refused: unknown API key");
    expect(await stored(page)).toBeNull();

    await signIn(page, READER);
    await page.waitForSelector('[data-testid=conn-state][data-state="connected"]', { timeout: 10_000 });
    await liveValue(page);
    expect(await stored(page)).toBe(READER);
    expect(await page.locator("[data-testid=signout]").count()).toBe(1);

    // The key lasts the tab's session: a reload goes straight to the dashboard.
    await page.reload();
    await page.waitForSelector('[data-testid=conn-state][data-state="connected"]', { timeout: 10_000 });
    expect(await page.locator("[data-testid=signin]").count()).toBe(0);

    // The server refuses the key on the live socket (close 4500): back to the sign-in, key forgotten.
    await expect.poll(() => [...t.app.server.clients()].length).toBeGreaterThan(0);
    for (const client of t.app.server.clients()) client.disconnect(CloseCode.Unauthorized, "key revoked");
    await page.waitForSelector("[data-testid=signin]");
    expect(await page.textContent("[data-testid=signin-reason]")).toBe("Sign in to go on: key revoked");
    expect(await stored(page)).toBeNull();
    await signIn(page, READER);
    await page.waitForSelector('[data-testid=conn-state][data-state="connected"]', { timeout: 10_000 });

    await page.click("[data-testid=signout]");
    await page.waitForSelector("[data-testid=signin]");
    expect(await stored(page)).toBeNull();
    await page.close();
  });

  it("sends a user whose key is refused back to the sign-in, with the reason", async () => {
    const page = await newPage();
    await page.goto(`${t.app.url}/`);
    await page.waitForSelector("[data-testid=signin]");
    await page.evaluate(() => sessionStorage.setItem("dashwire.apiKey", "revoked-key-0001"));
    await page.reload();
    await page.waitForSelector("[data-testid=signin]");
    expect(await page.textContent("[data-testid=signin-reason]")).toBe("Your key was refused: unknown API key");
    expect(await stored(page)).toBeNull();
    await page.close();
  });

  it("with public reads, shows the app without a key; a save refused with 401 sends to the sign-in", async () => {
    const page = await newPage();
    await page.goto(`${open.app.url}/#/d/demo`);
    await page.waitForSelector('[data-testid=conn-state][data-state="connected"]', { timeout: 10_000 });
    await liveValue(page);
    expect(await page.locator("[data-testid=signin-link]").count()).toBe(1);
    // Editing needs the admin scope: the server answers 401, the UI asks for a key.
    await page.goto(`${open.app.url}/#/d/demo/edit`);
    await page.fill("[data-testid=editor-title]", "Demo, edited");
    await page.click("[data-testid=save-dashboard]");
    await page.waitForSelector("[data-testid=signin]");
    expect(await page.textContent("[data-testid=signin-reason]")).toMatch(/^Sign in to go on: API key required/);
    await signIn(page, ADMIN);
    await page.waitForSelector("[data-testid=signout]", { timeout: 10_000 });
    expect(await stored(page)).toBe(ADMIN);
    // With the admin key the same save goes through.
    await page.goto(`${open.app.url}/#/d/demo/edit`);
    await page.fill("[data-testid=editor-title]", "Demo, edited");
    await page.click("[data-testid=save-dashboard]");
    await expect
      .poll(async () => ((await (await fetch(open.url("/api/v1/dashboards/demo"))).json()) as { title: string }).title)
      .toBe("Demo, edited");
    await page.close();
  });
});
