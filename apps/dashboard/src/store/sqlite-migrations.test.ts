import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, expect, it } from "vitest";
import { encodeRaw } from "./cell.js";
import { SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION } from "./sqlite-schema.js";
import { SQLITE_FILE, SqliteStore } from "./sqlite-store.js";

let dir = "";
afterEach(async () => {
  if (dir !== "") await rm(dir, { recursive: true, force: true });
});

it("opens a version-1 data dir (raw points in the cell's blob) and goes on from it", async () => {
  dir = await mkdtemp(join(tmpdir(), "dashwire-v1-"));
  const base = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  // A data dir as version 1 wrote it: its schema, one series with one cell, one dashboard.
  const old = new Database(join(dir, SQLITE_FILE));
  old.exec(SQLITE_MIGRATIONS[0] as string);
  old.pragma("user_version = 1");
  old.prepare("INSERT INTO series (id, name, tags, last_t) VALUES ('mig.v', 'mig.v', '{}', ?)").run(base);
  old.prepare("UPDATE meta SET v = 1 WHERE k = 'series'").run();
  const raw = encodeRaw(Float64Array.from([base + 10, 1, base + 20, 2]));
  old.prepare("INSERT INTO cells VALUES (1, ?, 2, 3, 1, 2, 2, ?, ?)").run(base, base + 20, raw);
  old.prepare("INSERT INTO buckets VALUES (?, 1, ?, 2, 3, 1, 2, 2, ?)").run(10_000, base, base + 20);
  old.prepare("INSERT INTO buckets VALUES (?, 1, ?, 2, 3, 1, 2, 2, ?)").run(60_000, base, base + 20);
  old.prepare('INSERT INTO dashboards VALUES (\'kept\', \'{"id":"kept","title":"K","panels":[]}\', 1)').run();
  old.close();

  const store = new SqliteStore({ dataDir: dir });
  try {
    const db = new Database(join(dir, SQLITE_FILE), { readonly: true });
    expect(db.pragma("user_version", { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    db.close();
    expect(await store.getDashboard("kept")).toMatchObject({ id: "kept", version: 1 });
    const p = (ts: number, value: number) => ({ id: "mig.v", name: "mig.v", tags: undefined, value, ts });
    // Appended, then the old points again (nothing changes), then one replaced.
    await store.write([p(base + 30, 3)], 10);
    await store.write([p(base + 10, 1), p(base + 20, 2), p(base + 30, 3)], 10);
    const all = (r: number) => store.query("mig.v", r, base - 1000, base + 60_000, 100);
    expect(await all(0)).toEqual([[base, 3, 6, 1, 3, 3]]);
    await store.write([p(base + 20, 20)], 10);
    for (const r of [0, 1, 2]) expect(await all(r)).toEqual([[base, 3, 24, 1, 20, 3]]);
  } finally {
    await store.close();
  }
});

it("opens a version-2 data dir (before alerts and annotations): dashboards kept, the new tables work", async () => {
  dir = await mkdtemp(join(tmpdir(), "dashwire-v2-"));
  const old = new Database(join(dir, SQLITE_FILE));
  for (const sql of SQLITE_MIGRATIONS.slice(0, 2)) old.exec(sql as string);
  old.pragma("user_version = 2");
  old.prepare("UPDATE meta SET v = 7 WHERE k = 'dashboards'").run();
  old.prepare('INSERT INTO dashboards VALUES (\'kept\', \'{"id":"kept","title":"K","panels":[]}\', 7)').run();
  old.close();

  const store = new SqliteStore({ dataDir: dir });
  try {
    const db = new Database(join(dir, SQLITE_FILE), { readonly: true });
    expect(db.pragma("user_version", { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    db.close();
    expect(await store.getDashboard("kept")).toMatchObject({ version: 7 });
    // Dashboard versions go on from the stored counter; rules count on their own.
    expect(await store.putDashboard("new", "{}", { kind: "absent" }, 10)).toMatchObject({ ok: true, version: 8 });
    expect(await store.alerts.rules.put("r", "{}", { kind: "absent" }, 10)).toMatchObject({ ok: true, version: 1 });
    const lease = await store.leases.acquire("alerts", "me", 1000);
    expect(lease?.token).toBe(1);
    const a = { id: "x", time: 1, timeEnd: 1, text: "t", tags: [], createdAt: 1 };
    expect(await store.annotations.add(a, 10)).toMatchObject({ created: true });
  } finally {
    await store.close();
  }
});

it("opens a version-3 data dir (a cell's points in its blob and segments): they become raw rows, folded", async () => {
  dir = await mkdtemp(join(tmpdir(), "dashwire-v3-"));
  const base = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  const old = new Database(join(dir, SQLITE_FILE));
  for (const sql of SQLITE_MIGRATIONS.slice(0, 3)) old.exec(sql as string);
  old.pragma("user_version = 3");
  old.prepare("INSERT INTO series (id, name, tags, last_t) VALUES ('mig.v', 'mig.v', '{}', ?)").run(base);
  old.prepare("UPDATE meta SET v = 1 WHERE k = 'series'").run();
  // Points 10 and 20 in the cell's blob, 30 appended as a segment; a second cell without segments.
  const blob = (...pairs: number[]) => encodeRaw(Float64Array.from(pairs));
  old
    .prepare("INSERT INTO cells VALUES (1, ?, 3, 6, 1, 3, 3, ?, ?)")
    .run(base, base + 30, blob(base + 10, 1, base + 20, 2));
  old.prepare("INSERT INTO raw_segs VALUES (1, ?, ?, ?)").run(base, base + 30, blob(base + 30, 3));
  old
    .prepare("INSERT INTO cells VALUES (1, ?, 1, 4, 4, 4, 4, ?, ?)")
    .run(base + 1000, base + 1500, blob(base + 1500, 4));
  for (const res of [10_000, 60_000])
    old.prepare("INSERT INTO buckets VALUES (?, 1, ?, 4, 10, 1, 4, 4, ?)").run(res, base, base + 1500);
  old.close();

  const store = new SqliteStore({ dataDir: dir });
  try {
    const all = (r: number) => store.query("mig.v", r, base - 1000, base + 60_000, 100);
    expect(await all(0)).toEqual([
      [base, 3, 6, 1, 3, 3],
      [base + 1000, 1, 4, 4, 4, 4],
    ]);
    const p = (ts: number, value: number) => ({ id: "mig.v", name: "mig.v", tags: undefined, value, ts });
    // Everything sent again changes nothing; then the segment's point replaced, one appended.
    await store.write([p(base + 10, 1), p(base + 20, 2), p(base + 30, 3), p(base + 1500, 4)], 10);
    for (const r of [1, 2]) expect(await all(r)).toEqual([[base, 4, 10, 1, 4, 4]]);
    await store.write([p(base + 30, 30), p(base + 1600, 5)], 10);
    expect(await all(0)).toEqual([
      [base, 3, 33, 1, 30, 30],
      [base + 1000, 2, 9, 4, 5, 5],
    ]);
    for (const r of [1, 2]) expect(await all(r)).toEqual([[base, 5, 42, 1, 30, 5]]);
  } finally {
    await store.close();
  }
});
