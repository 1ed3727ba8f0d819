/**
 * The alerts contract (run by `store-contract.ts` on every engine): rules as versioned
 * documents apart from dashboards, a round's states, history and outbox written together, the
 * history and the outbox kept within their bounds, and deliveries rescheduled or settled.
 */
import { expect, it } from "vitest";
import type { AlertRound, AlertTransition } from "./alert-store.js";
import type { Fence } from "./lease.js";
import type { Store } from "./store.js";
import type { StoreFixture } from "./store-fixture.js";

/** Registers the alerts tests. */
export function alertStoreContract(open: () => Promise<StoreFixture>): void {
  const holding = async (store: Store): Promise<Fence> => {
    const grant = await store.leases.acquire("alerts", "me", 60_000);
    if (grant === undefined) throw new Error("lease not granted");
    return grant;
  };
  const empty: AlertRound = { states: [], transitions: [], webhooks: [] };

  it("alerts: rules are versioned documents of their own (limit, If-Match), apart from dashboards", async () => {
    const { store } = await open();
    const rules = store.alerts.rules;
    const created = await rules.put("cpu", '{"v":1}', { kind: "absent" }, 2);
    expect(created).toMatchObject({ ok: true, created: true });
    const v1 = created.ok ? created.version : 0;
    expect(await rules.put("cpu", "{}", { kind: "version", version: v1 + 1000 }, 2)).toMatchObject({
      ok: false,
      reason: "conflict",
    });
    expect(await rules.put("cpu", '{"v":2}', { kind: "version", version: v1 }, 2)).toMatchObject({ ok: true });
    await rules.put("mem", "{}", { kind: "any" }, 2);
    expect(await rules.put("disk", "{}", { kind: "any" }, 2)).toMatchObject({ ok: false, reason: "limit" });
    // Dashboards do not count against the rules' limit, nor share their ids.
    expect(await store.putDashboard("cpu", "{}", { kind: "absent" }, 2)).toMatchObject({ ok: true });
    expect((await rules.list()).map((r) => [r.id, r.body])).toEqual([
      ["cpu", '{"v":2}'],
      ["mem", "{}"],
    ]);
    expect(await rules.get("nope")).toBeUndefined();
    expect(await rules.delete("mem", { kind: "any" })).toMatchObject({ ok: true });
    expect((await rules.list()).map((r) => r.id)).toEqual(["cpu"]);
    expect(await store.getDashboard("cpu")).toMatchObject({ body: "{}" });
  });

  it("alerts: a round replaces the states and appends transitions and deliveries together", async () => {
    const { store, peer } = await open();
    const fence = await holding(store);
    const limits = { maxHistory: 100, maxQueue: 100 };
    const first: AlertRound = {
      states: [
        { rule: "a", state: "pending", since: 1000, value: 5.5, evaluatedAt: 1000 },
        { rule: "b", state: "ok", since: 0, value: null, evaluatedAt: 1000 },
      ],
      transitions: [{ rule: "a", at: 1000, from: "ok", to: "pending", value: 5.5 }],
      webhooks: [],
    };
    expect(await store.alerts.saveRound(fence, first, limits)).toEqual({ ok: true, dropped: 0 });
    const second: AlertRound = {
      states: [{ rule: "a", state: "firing", since: 3000, value: 7, evaluatedAt: 3000 }],
      transitions: [{ rule: "a", at: 3000, from: "pending", to: "firing", value: 7 }],
      webhooks: [
        { delivery: "d1", rule: "a", url: "http://x/1", body: '{"n":1}', nextAt: 3000 },
        { delivery: "d2", rule: "a", url: "http://x/2", body: '{"n":2}', nextAt: 3000 },
      ],
    };
    expect(await store.alerts.saveRound(fence, second, limits)).toEqual({ ok: true, dropped: 0 });
    const other = await peer();
    try {
      // Another node reads what the holder wrote: "b" is gone (the round replaced the states).
      expect(await other.alerts.states()).toEqual([
        { rule: "a", state: "firing", since: 3000, value: 7, evaluatedAt: 3000 },
      ]);
      const history = await other.alerts.history({ limit: 10 });
      expect(history.map((t) => [t.rule, t.from, t.to, t.at, t.value])).toEqual([
        ["a", "pending", "firing", 3000, 7],
        ["a", "ok", "pending", 1000, 5.5],
      ]);
      expect(await other.alerts.queuedWebhooks()).toBe(2);
      const due = await other.alerts.dueWebhooks(3000, 10);
      expect(due.map((d) => [d.delivery, d.url, d.body, d.attempts])).toEqual([
        ["d1", "http://x/1", '{"n":1}', 0],
        ["d2", "http://x/2", '{"n":2}', 0],
      ]);
      expect(await other.alerts.dueWebhooks(2999, 10)).toEqual([]);
      const [d1, d2] = due;
      await other.alerts.settleWebhook(d1?.seq ?? 0, { attempts: 1, nextAt: 5000 });
      await other.alerts.settleWebhook(d2?.seq ?? 0);
      expect(await store.alerts.dueWebhooks(4999, 10)).toEqual([]);
      expect((await store.alerts.dueWebhooks(5000, 10)).map((d) => [d.delivery, d.attempts])).toEqual([["d1", 1]]);
      expect(await store.alerts.queuedWebhooks()).toBe(1);
    } finally {
      await other.close();
    }
  });

  it("alerts: history filters and pages newest first, and keeps at most maxHistory", async () => {
    const { store } = await open();
    const fence = await holding(store);
    const t = (i: number): Omit<AlertTransition, "seq"> => ({
      rule: i % 2 === 0 ? "even" : "odd",
      at: 1000 * i,
      from: "ok",
      to: "pending",
      value: i,
    });
    for (let i = 1; i <= 12; i++)
      await store.alerts.saveRound(fence, { ...empty, transitions: [t(i)] }, { maxHistory: 10, maxQueue: 10 });
    const all = await store.alerts.history({ limit: 100 });
    expect(all.map((x) => x.value)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3]);
    expect((await store.alerts.history({ rule: "odd", limit: 100 })).map((x) => x.value)).toEqual([11, 9, 7, 5, 3]);
    expect((await store.alerts.history({ from: 5000, to: 8000, limit: 100 })).map((x) => x.value)).toEqual([7, 6, 5]);
    const page1 = await store.alerts.history({ limit: 4 });
    const page2 = await store.alerts.history({ limit: 4, before: page1.at(-1)?.seq ?? 0 });
    expect([...page1, ...page2].map((x) => x.value)).toEqual([12, 11, 10, 9, 8, 7, 6, 5]);
  });

  it("alerts: past maxQueue the oldest deliveries are dropped, and counted", async () => {
    const { store } = await open();
    const fence = await holding(store);
    const hook = (n: number) => ({ delivery: `d${n}`, rule: "r", url: "http://x/", body: String(n), nextAt: 0 });
    const limits = { maxHistory: 10, maxQueue: 3 };
    expect(await store.alerts.saveRound(fence, { ...empty, webhooks: [hook(1), hook(2)] }, limits)).toEqual({
      ok: true,
      dropped: 0,
    });
    expect(await store.alerts.saveRound(fence, { ...empty, webhooks: [hook(3), hook(4), hook(5)] }, limits)).toEqual({
      ok: true,
      dropped: 2,
    });
    expect((await store.alerts.dueWebhooks(0, 10)).map((d) => d.delivery)).toEqual(["d3", "d4", "d5"]);
  });
}
