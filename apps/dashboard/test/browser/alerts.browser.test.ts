/**
 * Alerts in real headless Chromium against the real app: a rule made in the alerts page's form
 * fires and resolves as its series moves; the state shows on the panel that draws the series (a
 * second page, open on the dashboard, which learns each transition from the urgent publication
 * on the alerts topic: it never reads the list again once a rule is known), the webhook reaches
 * the test's receiver, the list and the history follow live; then an edit and a delete in the UI.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium } from "../../../../scripts/chromium.js";
import { until } from "../../../../packages/server/test/until.js";
import type { AlertListAnswer } from "../../src/alerts/alert-rule-schema.js";
import { feed, WebhookReceiver } from "../alerts/webhook-receiver.js";
import { type BrowserApp, PAGE_WAIT, startBrowserApp } from "./browser-app.js";

const chromiumPath = findChromium();
if (!chromiumPath) console.warn("alerts browser tests skipped: chromium is not installed");

describe.skipIf(!chromiumPath)("alerts in Chromium", () => {
  let t: BrowserApp;
  let receiver: WebhookReceiver;
  let level = 10;
  let points: { stop(): Promise<void> } | undefined;
  const open = (hash: string, ready: string) => t.open(hash, ready);

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    t = await startBrowserApp(chromiumPath as string, "alerts", { alertEvalMs: 1000, webhookHosts: ["127.0.0.1"] });
    const board = {
      id: "al",
      title: "Alerting",
      panels: [
        { id: "chart", kind: "timeseries", title: "CPU", series: ["al.cpu"], windowSec: 60 },
        { id: "calm", kind: "stat", title: "Calm", series: ["al.calm"], maxRate: 10 },
      ],
    };
    expect((await t.post("/api/v1/dashboards", board)).status).toBe(201);
    points = feed(t.app.url, "al.cpu", () => level);
  }, 120_000);

  afterAll(async () => {
    await points?.stop();
    await t?.close();
    await receiver?.close();
  });

  /** The states the history table shows, top to bottom. */
  const transitions = (page: Page) =>
    page.locator("[data-testid=alert-transition]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-to")));

  async function rules(): Promise<AlertListAnswer["alerts"]> {
    return ((await (await fetch(`${t.app.url}/api/v1/alerts`)).json()) as AlertListAnswer).alerts;
  }

  it("a rule made in the UI fires and resolves: on the panel of a second page, a webhook, the list and its history", async () => {
    const list = await open("#/alerts", "text=No alert rules yet");
    await list.click("[data-testid=new-rule]");
    await list.fill("[data-testid=rule-title]", "CPU high");
    await list.fill("[data-testid=rule-series]", "al.cpu");
    await list.selectOption("[data-testid=rule-op]", "above");
    await list.fill("[data-testid=rule-threshold]", "80");
    await list.fill("[data-testid=rule-forSec]", "1");
    await list.fill("[data-testid=rule-windowSec]", "2");
    // A URL the page refuses before asking the server (not http/https).
    await list.fill("[data-testid=rule-webhooks]", "ftp://127.0.0.1/hook");
    await list.click("[data-testid=rule-save]");
    await list.waitForSelector("[data-testid=rule-errors] >> text=webhooks.0: must be an http:// or https:// URL");
    expect(await rules()).toEqual([]);
    await list.fill("[data-testid=rule-webhooks]", receiver.url("/hook"));
    await list.click("[data-testid=rule-save]");
    await list.waitForSelector('[data-testid=alert-rule][data-id="cpu-high"]', { timeout: PAGE_WAIT });
    const stored = await rules();
    expect(stored.map((a) => a.rule)).toEqual([
      {
        id: "cpu-high",
        title: "CPU high",
        series: "al.cpu",
        op: "above",
        threshold: 80,
        forSec: 1,
        reduce: "last",
        windowSec: 2,
        webhooks: [receiver.url("/hook")],
      },
    ]);

    // The dashboard: the chart draws al.cpu (the rule names no panel: its series is enough), the
    // stat panel draws another series and shows no alert.
    const dash = await open("#/d/al", '[data-panel-id=chart][data-alert="ok"]');
    expect(await dash.locator("[data-panel-id=calm]").getAttribute("data-alert")).toBeNull();
    // From here on the dashboard knows the rule: a state it shows came from the alerts topic.
    const reads: string[] = [];
    dash.on("request", (r) => {
      if (new URL(r.url()).pathname === "/api/v1/alerts") reads.push(r.url());
    });

    // Every state the panel takes, even two within one task (a loaded page may get both at once).
    await dash.evaluate(() => {
      const panel = document.querySelector("[data-panel-id=chart]") as HTMLElement;
      const seen: (string | null)[] = [];
      (window as unknown as { alertSeen: (string | null)[] }).alertSeen = seen;
      new MutationObserver((records) => {
        for (const r of records) seen.push(r.oldValue);
      }).observe(panel, { attributes: true, attributeFilter: ["data-alert"], attributeOldValue: true });
    });
    const states = () =>
      dash.evaluate(() => [
        ...(window as unknown as { alertSeen: (string | null)[] }).alertSeen,
        (document.querySelector("[data-panel-id=chart]") as HTMLElement).dataset.alert ?? null,
      ]);

    level = 95;
    await dash.waitForSelector('[data-panel-id=chart][data-alert="firing"]', { timeout: PAGE_WAIT });
    expect(await dash.locator("[data-panel-id=chart] [data-testid=panel-alert]").textContent()).toBe("firing");
    await list.waitForSelector('[data-testid=alert-rule][data-id="cpu-high"][data-state="firing"]', {
      timeout: PAGE_WAIT,
    });
    await until(() => receiver.received.length >= 1, PAGE_WAIT, "firing webhook");
    expect(receiver.bodies<{ to: string }>()[0]?.to).toBe("firing");

    level = 10;
    await dash.waitForSelector('[data-panel-id=chart][data-alert="resolved"]', { timeout: PAGE_WAIT });
    await dash.waitForSelector('[data-panel-id=chart][data-alert="ok"]', { timeout: PAGE_WAIT });
    // Each transition once, in order (a repeated state would be a write of the same value: no record).
    expect((await states()).filter((v, i, a) => i === 0 || v !== a[i - 1])).toEqual([
      "ok",
      "pending",
      "firing",
      "resolved",
      "ok",
    ]);
    await until(() => receiver.received.length >= 2, PAGE_WAIT, "resolved webhook");
    expect(receiver.bodies<{ to: string }>().map((b) => b.to)).toEqual(["firing", "resolved"]);
    expect(reads).toEqual([]);

    // The list's history: every transition, newest first, added live as they came.
    await list.waitForSelector('[data-testid=alert-rule][data-id="cpu-high"][data-state="ok"]', { timeout: PAGE_WAIT });
    expect(await transitions(list)).toEqual(["ok", "resolved", "firing", "pending"]);
    // The same after a reload: read from the history API.
    await list.reload();
    await list.waitForSelector("[data-testid=alert-transition]", { timeout: PAGE_WAIT });
    expect(await transitions(list)).toEqual(["ok", "resolved", "firing", "pending"]);
    await dash.close();
    await list.close();
  }, 120_000);

  it("edits a rule with its version and deletes it, from the alerts page", async () => {
    const list = await open("#/alerts", '[data-testid=alert-rule][data-id="cpu-high"]');
    await list.click('[data-testid=alert-rule][data-id="cpu-high"] [data-testid=rule-edit]');
    await list.waitForSelector("[data-testid=rule-threshold]");
    expect(await list.inputValue("[data-testid=rule-threshold]")).toBe("80");
    await list.fill("[data-testid=rule-threshold]", "120");
    await list.click("[data-testid=rule-save]");
    await until(async () => (await rules())[0]?.rule.threshold === 120, PAGE_WAIT, "threshold saved");
    expect((await rules())[0]?.rule.webhooks).toEqual([receiver.url("/hook")]);

    await list.click('[data-testid=alert-rule][data-id="cpu-high"] [data-testid=rule-delete]');
    await list.waitForSelector("text=No alert rules yet", { timeout: PAGE_WAIT });
    expect(await rules()).toEqual([]);
    await list.close();
  }, 60_000);
});
