/**
 * The leases contract (run by `store-contract.ts` on every engine): two holders on one database
 * never hold a lease at once, a lease expires, the token grows with each change of holder, and
 * a stale holder's fenced write is refused.
 */
import { expect, it } from "vitest";
import { until } from "../../../../packages/server/test/until.js";
import type { AlertRound } from "./alert-store.js";
import type { Store } from "./store.js";
import type { StoreFixture } from "./store-fixture.js";

const LIMITS = { maxHistory: 100, maxQueue: 100 };

/** A round that writes one state: what a fenced write looks like. */
function round(rule: string, value: number): AlertRound {
  return {
    states: [{ rule, state: "ok", since: 1, value, evaluatedAt: 2 }],
    transitions: [{ rule, at: 2, from: "pending", to: "ok", value }],
    webhooks: [],
  };
}

/** Registers the leases tests. */
export function leaseContract(open: () => Promise<StoreFixture>): void {
  const two = async (): Promise<[Store, Store, () => Promise<void>]> => {
    const f = await open();
    const peer = await f.peer();
    return [f.store, peer, () => peer.close()];
  };

  it("leases: one holder at a time; renewal keeps the token, a new holder gets a larger one", async () => {
    const [a, b, done] = await two();
    try {
      const first = await a.leases.acquire("job", "A", 60_000);
      expect(first).toMatchObject({ name: "job", holder: "A" });
      const token = first?.token ?? 0;
      expect(await b.leases.acquire("job", "B", 60_000)).toBeUndefined();
      expect((await a.leases.acquire("job", "A", 60_000))?.token).toBe(token);
      // Another lease is another row.
      expect(await b.leases.acquire("other", "B", 60_000)).toMatchObject({ holder: "B" });
      await b.leases.release("job", "B"); // not its holder: nothing happens
      expect(await b.leases.acquire("job", "B", 60_000)).toBeUndefined();
      await a.leases.release("job", "A");
      const second = await b.leases.acquire("job", "B", 60_000);
      expect(second?.token).toBeGreaterThan(token);
      expect(await a.leases.acquire("job", "A", 60_000)).toBeUndefined();
    } finally {
      await done();
    }
  });

  it("leases: an expired lease is taken by another holder", async () => {
    const [a, b, done] = await two();
    try {
      const first = await a.leases.acquire("exp", "A", 60_000);
      expect(await b.leases.acquire("exp", "B", 60_000)).toBeUndefined();
      // A renews for a short time and then stops renewing (a paused or dead node).
      await a.leases.acquire("exp", "A", 150);
      let taken: Awaited<ReturnType<Store["leases"]["acquire"]>>;
      await until(async () => (taken = await b.leases.acquire("exp", "B", 60_000)) !== undefined, 10_000, "takeover");
      expect(taken?.token).toBeGreaterThan(first?.token ?? 0);
      expect(await a.leases.acquire("exp", "A", 60_000)).toBeUndefined();
    } finally {
      await done();
    }
  });

  it("leases: a fenced write of a stale holder is refused and changes nothing", async () => {
    const [a, b, done] = await two();
    try {
      const stale = await a.leases.acquire("alerts", "A", 100);
      expect(stale).toBeDefined();
      const fenceA = { name: "alerts", holder: "A", token: stale?.token ?? 0 };
      expect(await a.alerts.saveRound(fenceA, round("r", 1), LIMITS)).toEqual({ ok: true, dropped: 0 });
      let fresh: Awaited<ReturnType<Store["leases"]["acquire"]>>;
      await until(
        async () => (fresh = await b.leases.acquire("alerts", "B", 60_000)) !== undefined,
        10_000,
        "takeover",
      );
      const fenceB = { name: "alerts", holder: "B", token: fresh?.token ?? 0 };
      expect(await b.alerts.saveRound(fenceB, round("r", 2), LIMITS)).toEqual({ ok: true, dropped: 0 });
      // A wakes up and writes with its old token: refused, B's state stays.
      expect(await a.alerts.saveRound(fenceA, round("r", 3), LIMITS)).toEqual({ ok: false });
      // Same holder name, old token (a restarted process reusing its name) is refused too.
      expect(await a.alerts.saveRound({ ...fenceB, token: fenceA.token }, round("r", 4), LIMITS)).toEqual({
        ok: false,
      });
      expect((await a.alerts.states()).map((s) => s.value)).toEqual([2]);
      expect((await a.alerts.history({ limit: 10 })).map((t) => t.value)).toEqual([2, 1]);
    } finally {
      await done();
    }
  });
}
