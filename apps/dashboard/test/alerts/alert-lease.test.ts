/**
 * Alerts are evaluated once per node set: two app instances on one SQLite data dir (two workers)
 * and two on one PostgreSQL schema (two machines) send exactly one webhook per transition, one of
 * them holds the alerts lease at a time, and when the holder stops the other takes over (and
 * sends what the first left queued).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../../../../packages/server/test/until.js";
import type { DashboardOptions } from "../../src/config/options.js";
import { dropSchema, freshSchemaUrl } from "../../src/store/pg-test-schema.js";
import { send, startApp, type TestApp } from "../api/helpers.js";
import { feed, WebhookReceiver } from "./webhook-receiver.js";

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const pgUrl = process.env.DASHWIRE_TEST_PG_URL;

/** Options of the two instances (a shared data dir, or a shared PostgreSQL schema). */
async function shared(engine: "sqlite" | "postgres"): Promise<Partial<DashboardOptions>> {
  const base = { alertEvalMs: 250, webhookHosts: ["127.0.0.1"] };
  if (engine === "sqlite") {
    const dataDir = await mkdtemp(join(tmpdir(), "dashwire-lease-"));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    return { ...base, dataDir };
  }
  const { url, schema } = freshSchemaUrl(pgUrl as string);
  cleanup.push(() => dropSchema(pgUrl as string, schema));
  return { ...base, store: url };
}

/** Rounds seen by an instance: those it evaluated and those it stood by. */
const rounds = (t: TestApp) => t.app.alerts.evaluator.stats.rounds + t.app.alerts.evaluator.stats.standby;

/** Waits until both instances have gone through `n` more rounds (enough for a duplicate to show). */
async function moreRounds(apps: TestApp[], n: number): Promise<void> {
  const start = apps.map(rounds);
  await until(() => apps.every((t, i) => rounds(t) >= (start[i] as number) + n), 15_000, `${n} more rounds`);
}

for (const engine of ["sqlite", "postgres"] as const)
  describe.skipIf(engine === "postgres" && pgUrl === undefined)(`alerts once per node set (${engine})`, () => {
    it("two instances: one holder, exactly one webhook per transition, takeover when the holder stops", async () => {
      const receiver = await WebhookReceiver.start();
      cleanup.push(() => receiver.close());
      const options = await shared(engine);
      const a = await startApp(options);
      cleanup.push(() => a.close());
      const b = await startApp(options);
      cleanup.push(() => b.close());
      let level = 0;
      let target = a;
      const points = feed(
        () => target.app.url,
        "lease.v",
        () => level,
      );
      cleanup.push(() => points.stop());
      const rule = { id: "v-high", title: "V", series: "lease.v", op: "above", threshold: 50, windowSec: 1 };
      expect((await send("POST", b.url("/api/v1/alerts"), { ...rule, webhooks: [receiver.url()] })).status).toBe(201);

      await moreRounds([a, b], 2);
      const holders = () => [a, b].filter((t) => t.app.alerts.evaluator.holding);
      expect(holders()).toHaveLength(1);
      expect(a.app.alerts.evaluator.stats.rounds + b.app.alerts.evaluator.stats.rounds).toBeGreaterThan(0);
      const [holder, other] = holders()[0] === a ? [a, b] : [b, a];
      expect(other.app.alerts.evaluator.stats.rounds).toBe(0);

      level = 90;
      await until(() => receiver.received.length === 1, 15_000, "firing webhook");
      level = 10;
      await until(() => receiver.received.length === 2, 15_000, "resolved webhook");
      await moreRounds([a, b], 4);
      expect(receiver.bodies().map((x) => x.to)).toEqual(["firing", "resolved"]);
      expect(other.app.alerts.evaluator.stats.rounds).toBe(0);

      // The receiver goes away; the next firing stays queued in the store when the holder stops.
      receiver.answer(() => 503);
      level = 90;
      await until(() => receiver.received.length === 3, 15_000, "firing attempted");
      target = other;
      await holder.close();
      expect(holder.app.alerts.evaluator.holding).toBe(false);
      receiver.answer(() => 200);
      // The other instance takes the released lease at its next round and sends the queued firing.
      await until(() => other.app.alerts.evaluator.holding, 15_000, "takeover");
      await until(() => other.app.alerts.sender.stats.sent === 1, 20_000, "queued firing sent by the new holder");
      level = 10;
      await until(() => receiver.bodies().filter((x) => x.to === "resolved").length === 2, 15_000, "resolved again");
      await moreRounds([other], 4);
      const deliveries = receiver.bodies<{ delivery: string; to: string }>();
      expect(deliveries.map((x) => x.to)).toEqual(["firing", "resolved", "firing", "firing", "resolved"]);
      // The third and fourth requests are one delivery: a retry carries the same id.
      expect(deliveries[2]?.delivery).toBe(deliveries[3]?.delivery);
      expect(new Set(deliveries.map((x) => x.delivery)).size).toBe(4);
    });
  });
