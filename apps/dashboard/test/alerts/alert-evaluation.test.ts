/**
 * Alerts end to end on one app: a rule goes ok → pending → firing → resolved → ok as its series
 * moves; each firing and resolved is one signed webhook; every transition is an urgent
 * publication on the `alerts` topic; the history has them all.
 */
import { createHmac } from "node:crypto";
import { connect } from "@dashwire/client/node";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../../../../packages/server/test/until.js";
import type { AlertEvent, AlertListAnswer } from "../../src/alerts/alert-rule-schema.js";
import type { AlertHistoryAnswer } from "../../src/alerts/alert-routes.js";
import { getJson, send, startApp, type TestApp } from "../api/helpers.js";
import { feed, WebhookReceiver } from "./webhook-receiver.js";

const SECRET = "s3cret-for-tests";
let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** An app with rounds every 250 ms, webhooks allowed to the local receiver, and a secret. */
async function app(): Promise<TestApp> {
  const t = await startApp({ alertEvalMs: 250, webhookHosts: ["127.0.0.1"], webhookSecret: SECRET });
  cleanup.push(() => t.close());
  return t;
}

async function stateOf(t: TestApp, id: string): Promise<string | undefined> {
  const list = await getJson<AlertListAnswer>(t.url("/api/v1/alerts"));
  return list.body.alerts.find((a) => a.rule.id === id)?.status.state;
}

describe("alert evaluation", () => {
  it("pending for forSec, then firing; recovery → resolved → ok; one signed webhook each; urgent publications", async () => {
    const receiver = await WebhookReceiver.start();
    cleanup.push(() => receiver.close());
    const t = await app();
    let level = 10;
    const points = feed(t.app.url, "ev.cpu", () => level);
    cleanup.push(() => points.stop());
    const rule = {
      id: "cpu-high",
      title: "CPU high",
      series: "ev.cpu",
      op: "above",
      threshold: 80,
      forSec: 2,
      windowSec: 2,
      webhooks: [receiver.url("/hook?team=ops")],
    };
    expect((await send("POST", t.url("/api/v1/alerts"), rule)).status).toBe(201);

    // Every transition reaches a subscriber of the alerts topic, past a 1/s rate cap (urgent).
    const client = connect<{ topics: { alerts: AlertEvent } }>(`ws://127.0.0.1:${t.app.port}/dashwire`);
    cleanup.push(async () => client.close());
    const events: AlertEvent[] = [];
    const urgent: boolean[] = [];
    const sub = client.subscribe(
      "alerts",
      (e, pub) => {
        events.push(e);
        urgent.push(pub.urgent);
      },
      { mode: "latest", maxRate: 1 },
    );
    await sub.ready;
    await until(async () => (await stateOf(t, "cpu-high")) === "ok", 10_000, "first round");

    level = 95;
    await until(async () => (await stateOf(t, "cpu-high")) === "pending", 10_000, "pending");
    // Nothing is sent while pending (forSec is 2 s).
    expect(receiver.received).toHaveLength(0);
    await until(() => receiver.received.length === 1, 15_000, "firing webhook");
    expect(await stateOf(t, "cpu-high")).toBe("firing");

    level = 20;
    await until(() => receiver.received.length === 2, 15_000, "resolved webhook");
    await until(async () => (await stateOf(t, "cpu-high")) === "ok", 10_000, "back to ok");

    const bodies = receiver.bodies<{ delivery: string; to: string; from: string; value: number; rule: object }>();
    expect(bodies.map((b) => [b.from, b.to])).toEqual([
      ["pending", "firing"],
      ["firing", "resolved"],
    ]);
    expect(bodies[0]?.value).toBeGreaterThan(80);
    expect(bodies[0]?.rule).toMatchObject({ id: "cpu-high", threshold: 80, forSec: 2 });
    expect(bodies[0]?.rule).not.toHaveProperty("webhooks");
    for (const r of receiver.received) {
      expect(r.path).toBe("/hook?team=ops");
      expect(r.headers["content-type"]).toBe("application/json");
      expect(r.headers["user-agent"]).toMatch(/^dashwire\//);
      const expected = `sha256=${createHmac("sha256", SECRET).update(r.body).digest("hex")}`;
      expect(r.headers["x-dashwire-signature-256"]).toBe(expected);
      expect(r.headers["x-dashwire-delivery"]).toBe((JSON.parse(r.body) as { delivery: string }).delivery);
    }

    await until(() => events.length >= 4, 5000, "four publications");
    expect(events.map((e) => e.to)).toEqual(["pending", "firing", "resolved", "ok"]);
    expect(urgent.every(Boolean)).toBe(true);
    expect(events[1]).toMatchObject({ rule: "cpu-high", title: "CPU high", series: "ev.cpu", from: "pending" });

    const history = await getJson<AlertHistoryAnswer>(t.url("/api/v1/alerts/history?rule=cpu-high"));
    expect(history.body.transitions.map((x) => x.to)).toEqual(["ok", "resolved", "firing", "pending"]);
    const metrics = () => fetch(t.url("/metrics")).then((r) => r.text());
    // Counted once the receiver's answer is read.
    await until(async () => /^dashwire_alert_webhooks_sent_total 2$/m.test(await metrics()), 5000, "sent counted");
    const text = await metrics();
    expect(text).toMatch(/^dashwire_alert_transitions_total 4$/m);
    expect(text).toMatch(/^dashwire_alert_lease_held 1$/m);
  });

  it("a rule with forSec 0 fires at once; no data is not a breach; a deleted rule's state goes", async () => {
    const receiver = await WebhookReceiver.start();
    cleanup.push(() => receiver.close());
    const t = await app();
    const below = { id: "low", title: "Low", series: "ev.none", op: "below", threshold: 5, forSec: 0 };
    expect((await send("POST", t.url("/api/v1/alerts"), below)).status).toBe(201);
    const points = feed(t.app.url, "ev.level", () => 1);
    cleanup.push(() => points.stop());
    const now = { id: "now", title: "Now", series: "ev.level", op: "below", threshold: 5, forSec: 0 };
    expect((await send("POST", t.url("/api/v1/alerts"), now)).status).toBe(201);
    await until(async () => (await stateOf(t, "now")) === "firing", 10_000, "firing at once");
    const h = await getJson<AlertHistoryAnswer>(t.url("/api/v1/alerts/history?rule=now"));
    expect(h.body.transitions.map((x) => [x.from, x.to])).toEqual([["ok", "firing"]]);
    // The series with no points never breaches "below 5".
    const list = await getJson<AlertListAnswer>(t.url("/api/v1/alerts"));
    expect(list.body.alerts.find((a) => a.rule.id === "low")?.status).toMatchObject({ state: "ok", value: null });
    expect((await send("DELETE", t.url("/api/v1/alerts/now"))).status).toBe(204);
    await until(async () => (await t.app.store.alerts.states()).every((s) => s.rule !== "now"), 10_000, "state gone");
  });
});
