import { statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SQLITE_FILE } from "./sqlite-store.js";
import { CHECKPOINT_EVERY_MS } from "./sqlite-thread.js";
import { SqliteThreadStore } from "./sqlite-thread-store.js";
import { storeContract } from "./store-contract.js";

storeContract("sqlite on a store thread", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "dashwire-sqlite-thread-"));
  const store = await SqliteThreadStore.open({ dataDir });
  return {
    store,
    peer: async () => SqliteThreadStore.open({ dataDir }),
    cleanup: async () => {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});

describe("the store thread", () => {
  let dataDir = "";
  let store: SqliteThreadStore;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "dashwire-sqlite-thread-"));
    store = await SqliteThreadStore.open({ dataDir });
  });
  afterEach(async () => {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("commits a write while this thread's event loop keeps running", async () => {
    // 200,000 points over 1,000 series: hundreds of ms of inserts and the fsync. In this thread
    // (SqliteStore) no timer fires until the commit returns.
    const t = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const points = Array.from({ length: 200_000 }, (_, i) => ({
      id: `t.s${i % 1000}`,
      name: `t.s${i % 1000}`,
      tags: undefined,
      value: i,
      ts: t + Math.floor(i / 1000),
    }));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 2);
    try {
      expect(await store.write(points, 10_000)).toEqual([]);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThanOrEqual(5);
    expect(await store.cells(["t.s0"], t)).toEqual([["t.s0", [t, 200, 99_500 * 200, 0, 199_000, 199_000]]]);
  });

  it("answers a write with the cells it wrote of the series asked, as committed", async () => {
    const t = Math.floor(Date.now() / 1000) * 1000 - 5000;
    const pt = (id: string, value: number, ts: number) => ({ id, name: id, tags: undefined, value, ts });
    await store.write([pt("rb.a", 1, t + 10)], 2);
    const result = await store.writeAndRead(
      [pt("rb.a", 5, t + 20), pt("rb.a", 7, t + 1020), pt("rb.b", 2, t + 30), pt("rb.over", 9, t + 40)],
      2,
      ["rb.a", "rb.over"],
    );
    // rb.over is past the series limit: refused, so nothing of it is read back.
    expect(result.refusals.map((r) => r.index)).toEqual([3]);
    expect(result.cells).toEqual([
      ["rb.a", [t, 2, 6, 1, 5, 5]],
      ["rb.a", [t + 1000, 1, 7, 7, 7, 7]],
    ]);
  });

  it("keeps the WAL small with a checkpoint thread: no writing connection checkpoints", async () => {
    const wal = join(dataDir, `${SQLITE_FILE}-wal`);
    const t = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const body = (b: number) =>
      Array.from({ length: 2000 }, (_, i) => ({
        id: `w.s${i % 1000}`,
        name: `w.s${i % 1000}`,
        tags: undefined,
        value: i,
        ts: t + 3 * b + Math.floor(i / 1000),
      }));
    await store.write(body(0), 10_000);
    const one = statSync(wal).size;
    let most = one;
    for (let b = 1; b < 10; b++) {
      // Two checkpoint periods: a loaded machine may run the checkpoint thread late.
      await new Promise((r) => setTimeout(r, 2 * CHECKPOINT_EVERY_MS + 100));
      await store.write(body(b), 10_000);
      most = Math.max(most, statSync(wal).size);
    }
    // Ten writes of ~one. Unchecked (far below SQLite's own 1,000-page checkpoint) it holds all
    // ten (8-10 times one); checkpointed between writes, the WAL restarts from its start.
    expect(most).toBeLessThan(5 * one);
  });

  it("writes leases, alert rules and dashboards on the store thread: this one never waits for the write lock", async () => {
    // A second store on the same file, with a short busy timeout: its store thread holds
    // SQLite's write lock (an open transaction), as a long commit or fold does under ingest.
    const other = await SqliteThreadStore.open({ dataDir, busyTimeoutMs: 300 });
    try {
      await other.exec("BEGIN IMMEDIATE");
      // Written on this thread's own connection, each would wait for the lock, then fail busy.
      const grant = await other.leases.acquire("alerts", "me", 60_000);
      expect(grant).toMatchObject({ name: "alerts", holder: "me", token: 1 });
      expect(await other.putDashboard("d1", "{}", { kind: "any" }, 10)).toMatchObject({ ok: true });
      expect(await other.alerts.rules.put("r1", "{}", { kind: "any" }, 10)).toMatchObject({ ok: true });
      await other.exec("COMMIT");
      expect((await store.getDashboard("d1"))?.body).toBe("{}");
    } finally {
      await other.close();
    }
  });

  it("fails every call with a coded StoreError once the thread is gone", async () => {
    await (store as unknown as { thread: Worker }).thread.terminate();
    await expect(store.cells(["x"], 0)).rejects.toMatchObject({ name: "StoreError", kind: "unavailable" });
    await expect(
      store.write([{ id: "x", name: "x", tags: undefined, value: 1, ts: Date.now() }], 10),
    ).rejects.toMatchObject({ kind: "unavailable" });
  });

  it("answers a refused write with the engine's StoreError kind", async () => {
    await store.write([{ id: "f.a", name: "f.a", tags: undefined, value: 1, ts: Date.now() }], 10);
    await store.exec(`PRAGMA max_page_count = ${1}`);
    const many = Array.from({ length: 2000 }, (_, i) => ({
      id: `f.s${i}`,
      name: `f.s${i}`,
      tags: undefined,
      value: i,
      ts: Date.now(),
    }));
    await expect(store.write(many, 10_000)).rejects.toMatchObject({ name: "StoreError", kind: "full" });
    // The refused write's series joined the thread's series table all the same: writes that
    // name them next (by index only) reach the right series.
    await store.exec("PRAGMA max_page_count = 1000000");
    const t = Math.floor(Date.now() / 1000) * 1000;
    await store.write([{ id: "f.s7", name: "f.s7", tags: undefined, value: 7, ts: t + 1 }], 10_000);
    await store.write([{ id: "f.s9", name: "f.s9", tags: undefined, value: 9, ts: t + 1 }], 10_000);
    expect(await store.cells(["f.s7", "f.s9"], t)).toEqual([
      ["f.s7", [t, 1, 7, 7, 7, 7]],
      ["f.s9", [t, 1, 9, 9, 9, 9]],
    ]);
  });
});
