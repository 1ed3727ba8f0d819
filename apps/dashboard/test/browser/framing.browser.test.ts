/**
 * Clickjacking, in real Chromium: a page on another origin frames the dashboard UI (invisible,
 * under its own bait) so the victim's clicks land on the UI's buttons. The UI's own requests
 * are same-origin and pass the Origin check, so the only defense is refusing to be framed:
 * Chromium must not run the framed UI at all, while the same UI opened directly still runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../../packages/server/test/until.js";
import { findChromium, launchChromium } from "../../../../scripts/chromium.js";
import { startApp, type TestApp } from "../api/helpers.js";

const chromiumPath = findChromium();
if (!chromiumPath) console.warn("framing browser tests skipped: chromium is not installed");

describe.skipIf(!chromiumPath)("the UI in a frame on another site", () => {
  let uiDir: string;
  let t: TestApp;
  let attacker: http.Server;
  let attackerUrl: string;
  let browser: Browser;
  /** Requests for the UI's script, by `?from=` (which page ran it). */
  const probes: string[] = [];

  beforeAll(async () => {
    // A stand-in UI: its script asks for /probe.js, so the server sees whether the page ran.
    uiDir = mkdtempSync(join(tmpdir(), "dashwire-framing-"));
    writeFileSync(
      join(uiDir, "index.html"),
      `<!doctype html><meta charset="utf-8"><title>ui</title><button id="delete">Delete</button>
<script src="/probe.js?from=ui"></script>`,
    );
    writeFileSync(join(uiDir, "probe.js"), "window.ran = true;\n");
    t = await startApp({ uiDir });
    t.app.httpServer.on("request", (req: http.IncomingMessage) => {
      if (req.url?.startsWith("/probe.js")) probes.push(req.url);
    });
    attacker = http.createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<!doctype html><h1>Win a prize: click here</h1>
<iframe id="ui" src="${t.app.url}/" style="opacity:0.01;position:absolute;top:0;left:0"></iframe>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
    // "localhost" and "127.0.0.1" are different sites to the browser.
    attackerUrl = `http://localhost:${(attacker.address() as AddressInfo).port}/`;
    browser = await launchChromium(chromiumPath as string);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await new Promise((resolve) => attacker?.close(resolve));
    if (uiDir) rmSync(uiDir, { recursive: true, force: true });
  });

  it("runs when opened directly (the control)", async () => {
    const page = await browser.newPage();
    await page.goto(`${t.app.url}/`);
    expect(await page.evaluate(() => (window as { ran?: boolean }).ran)).toBe(true);
    await page.close();
    expect(probes).toHaveLength(1);
  });

  it("is not shown, nor run, in another site's frame", async () => {
    const page = await browser.newPage();
    const uiAnswered = page.waitForResponse((r) => r.url() === `${t.app.url}/`);
    await page.goto(attackerUrl);
    const res = await uiAnswered;
    await until(() => page.frames().length === 2, 5000, "the frame to settle");
    const frame = page.frames()[1];
    await until(() => frame?.url() !== "about:blank", 5000, "the frame to navigate");
    await page.waitForLoadState("load");
    // Chromium replaces a refused frame with its error page: no UI, no button to click, and the
    // UI's script never ran (only the control asked for it).
    expect(frame?.url()).not.toBe(`${t.app.url}/`);
    expect(probes).toHaveLength(1);
    // Refused by the document's own headers.
    expect(res.headers()["content-security-policy"]).toBe("frame-ancestors 'none'");
    expect(res.headers()["x-frame-options"]).toBe("DENY");
    await page.close();
  });
});
