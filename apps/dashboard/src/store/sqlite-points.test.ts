/**
 * What the SQLite store's layout promises beyond the store contract: a write only appends raw
 * rows; the writer folds them into the rollups by itself once enough wait (no read needed); a
 * read of open cells (the live previews) folds nothing; a cell whose rows repeat a timestamp is
 * compacted into one row, so retries do not pile up.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, expect, it } from "vitest";
import { until } from "../../../../packages/server/test/until.js";
import { FOLD_AFTER_CELLS, FOLD_AFTER_ROWS } from "./sqlite-points.js";
import { PRUNE_ROWS } from "./sqlite-prune.js";
import { SMALL_WRITE_POINTS, SQLITE_FILE, SqliteStore } from "./sqlite-store.js";
import type { SeriesPoint } from "./store.js";

let dir = "";
let store: SqliteStore;
let db: Database.Database;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "dashwire-points-"));
  store = new SqliteStore({ dataDir: dir });
  db = new Database(join(dir, SQLITE_FILE), { readonly: true });
});
afterEach(async () => {
  db.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const base = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
const p = (id: string, ts: number, value: number): SeriesPoint => ({ id, name: id, tags: undefined, value, ts });
const meta = (k: string) => (db.prepare("SELECT v FROM meta WHERE k = ?").pluck().get(k) as number) ?? 0;
const count = (sql: string) => db.prepare(sql).pluck().get() as number;
/** Lets a fold the last write scheduled (`setImmediate`) run, if it did. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

it("a write appends raw rows only; a read folds them into the cells first", async () => {
  await store.write([p("f.a", base + 1, 1), p("f.a", base + 1500, 2), p("f.b", base + 2, 3)], 10);
  expect(count("SELECT count(*) FROM raw")).toBe(3); // (f.a, base), (f.a, base + 1000), (f.b, base)
  expect(count("SELECT count(*) FROM cells")).toBe(0);
  expect(meta("seq") - meta("folded")).toBe(3);
  expect(await store.query("f.a", 0, base, base + 2000, 10)).toEqual([
    [base, 1, 1, 1, 1, 1],
    [base + 1000, 1, 2, 2, 2, 2],
  ]);
  expect(count("SELECT count(*) FROM cells")).toBe(3);
  expect(meta("seq")).toBe(meta("folded"));
});

it("folds by itself once FOLD_AFTER_CELLS cells wait, with no read", async () => {
  // One row per series and second: FOLD_AFTER_CELLS cells in two writes.
  const rows = (from: number) =>
    Array.from({ length: FOLD_AFTER_CELLS / 2 }, (_, i) =>
      p(`f.s${i % 100}`, base + Math.floor(i / 100) * 1000 + from, 1),
    );
  await store.write(rows(0), 1000);
  await settle();
  expect(meta("seq") - meta("folded")).toBe(FOLD_AFTER_CELLS / 2);
  await store.write(rows(-100_000), 1000);
  await until(() => meta("seq") === meta("folded"), 5000, "the rows folded");
  expect(count("SELECT count(*) FROM cells")).toBe(FOLD_AFTER_CELLS);
});

it("rows that land in the same cells wait until FOLD_AFTER_ROWS, whatever their number of cells", async () => {
  // 1,000 cells (100 series, 10 seconds); each write adds a row to every one of them.
  const cells = 1000;
  const write = (k: number) =>
    store.write(
      Array.from({ length: cells }, (_, i) => p(`f.s${i % 100}`, base + Math.floor(i / 100) * 1000 + k, 1)),
      1000,
    );
  const writes = FOLD_AFTER_ROWS / cells;
  for (let k = 0; k < writes - 1; k++) await write(k);
  await settle();
  // Far more rows than FOLD_AFTER_CELLS, in 1,000 cells: nothing folded yet.
  expect(meta("seq") - meta("folded")).toBe(FOLD_AFTER_ROWS - cells);
  await write(writes - 1);
  await until(() => meta("seq") === meta("folded"), 5000, "the rows folded");
  expect(count("SELECT count(*) FROM cells")).toBe(cells);
  expect(count("SELECT sum(count) FROM cells")).toBe(FOLD_AFTER_ROWS);
});

it("reads open cells with nothing folded, this connection's waiting rows and another's", async () => {
  await store.write([p("j.a", base + 10, 1), p("j.a", base + 20, 2)], 10);
  await store.write([p("j.a", base + 5, 5)], 10); // an older point, after: rows out of time order
  expect(await store.cells(["j.a"], base)).toEqual([["j.a", [base, 3, 8, 1, 5, 2]]]);
  // Nothing was folded: the read wrote nothing (no transaction, no fsync on the live path).
  expect(meta("seq") - meta("folded")).toBe(2);
  expect(count("SELECT count(*) FROM cells")).toBe(0);
  await store.write([p("j.a", base + 20, 7)], 10); // a replaced point: its rows overlap
  expect(await store.cells(["j.a"], base)).toEqual([["j.a", [base, 3, 13, 1, 7, 7]]]);
  // A second connection on the data dir (another worker) writes, then folds every row.
  const other = new SqliteStore({ dataDir: dir });
  try {
    await other.write([p("j.a", base + 30, 3)], 10);
    expect(await store.cells(["j.a"], base)).toEqual([["j.a", [base, 4, 16, 1, 7, 3]]]);
    expect(await other.query("j.a", 0, base, base + 1000, 10)).toEqual([[base, 4, 16, 1, 7, 3]]);
    expect(meta("seq")).toBe(meta("folded"));
    await store.write([p("j.a", base + 40, 4)], 10);
    expect(await store.cells(["j.a"], base)).toEqual([["j.a", [base, 5, 20, 1, 7, 4]]]);
    expect(await other.cells(["j.a"], base)).toEqual([["j.a", [base, 5, 20, 1, 7, 4]]]);
  } finally {
    await other.close();
  }
});

it("compacts a cell whose rows repeat a timestamp into one row", async () => {
  const batch = [p("f.r", base + 10, 1), p("f.r", base + 20, 2)];
  await store.write(batch, 10);
  await store.write([p("f.r", base + 30, 3)], 10);
  expect(await store.query("f.r", 0, base, base + 1000, 10)).toEqual([[base, 3, 6, 1, 3, 3]]);
  expect(count("SELECT count(*) FROM raw")).toBe(2);
  for (let i = 0; i < 5; i++) await store.write(batch, 10); // a client retrying
  await store.write([p("f.r", base + 20, 5)], 10); // and one value replaced
  expect(await store.query("f.r", 2, base, base + 60_000, 10)).toEqual([[base, 3, 9, 1, 5, 3]]);
  expect(count("SELECT count(*) FROM raw")).toBe(1);
});

it("reads every acknowledged point when the fold cannot be written (database full)", async () => {
  // f.full7's point folded first, then replaced by the waiting write (its buckets recomputed).
  await store.write([p("f.full7", base + 5, 100), p("f.full7", base + 6, 1)], 1000);
  expect(await store.query("f.full7", 1, base, base + 10_000, 10)).toEqual([[base, 2, 101, 1, 100, 1]]);
  await store.write(
    Array.from({ length: 300 }, (_, i) => p(`f.full${i}`, base + 5, i)),
    1000,
  );
  // No page more: folding the 300 new cells needs some, and fails with SQLITE_FULL.
  store.exec(`PRAGMA max_page_count = ${count("PRAGMA page_count")}`);
  expect(await store.query("f.full7", 0, base, base + 1000, 10)).toEqual([[base, 2, 8, 1, 7, 1]]);
  expect(await store.query("f.full7", 1, base, base + 10_000, 10)).toEqual([[base, 2, 8, 1, 7, 1]]);
  expect(await store.query("f.full8", 2, base, base + 60_000, 10)).toEqual([[base, 1, 8, 8, 8, 8]]);
  expect(await store.cells(["f.full9", "f.none"], base)).toEqual([["f.full9", [base, 1, 9, 9, 9, 9]]]);
  expect(meta("seq") - meta("folded")).toBe(300); // read, not folded
  const more = Array.from({ length: 500 }, (_, i) => p(`f.more${i}`, base + 5, i));
  await expect(store.write(more, 1000)).rejects.toMatchObject({ kind: "full" });
  store.exec("PRAGMA max_page_count = 1073741823");
  expect(await store.query("f.full7", 2, base, base + 60_000, 10)).toEqual([[base, 2, 8, 1, 7, 1]]);
  expect(meta("seq")).toBe(meta("folded"));
});

it("reads without waiting while another connection holds the write lock", async () => {
  await store.write([p("f.busy", base + 5, 5), p("f.busy", base + 1005, 6)], 10);
  const other = new Database(join(dir, SQLITE_FILE));
  other.exec("BEGIN IMMEDIATE");
  try {
    // Folding would wait (busy timeout 5 s, blocking the event loop): the read folds in memory.
    expect(await store.query("f.busy", 1, base, base + 10_000, 10)).toEqual([[base, 2, 11, 5, 6, 6]]);
    expect(await store.cells(["f.busy"], base + 1000)).toEqual([["f.busy", [base + 1000, 1, 6, 6, 6, 6]]]);
    expect(meta("seq") - meta("folded")).toBe(2);
  } finally {
    other.exec("ROLLBACK");
    other.close();
  }
  expect(await store.query("f.busy", 0, base, base + 10_000, 10)).toHaveLength(2);
  expect(meta("seq")).toBe(meta("folded"));
});

it("answers queryText with every acknowledged point while the fold waits for another connection", async () => {
  await store.write([p("f.text", base + 5, 5)], 10);
  const first = JSON.stringify([[base, 1, 5, 5, 5, 5]]);
  // Read once: the minute's text is cached.
  expect(await store.queryText(["f.text"], 0, base, base + 10_000, 10)).toEqual([first]);
  await store.write([p("f.text", base + 7, 7), p("f.text", base + 1005, 6)], 10);
  const both = JSON.stringify([
    [base, 2, 12, 5, 7, 7],
    [base + 1000, 1, 6, 6, 6, 6],
  ]);
  const other = new Database(join(dir, SQLITE_FILE));
  other.exec("BEGIN IMMEDIATE");
  try {
    // The rows wait unfolded: not the cached text, the rows read and folded in memory.
    expect(await store.queryText(["f.text"], 0, base, base + 10_000, 10)).toEqual([both]);
    expect(meta("seq") - meta("folded")).toBe(2);
  } finally {
    other.exec("ROLLBACK");
    other.close();
  }
  expect(await store.queryText(["f.text"], 0, base, base + 10_000, 10)).toEqual([both]);
  expect(meta("seq")).toBe(meta("folded"));
});

it("commits a small write queued with large ones first, unless they share a series", async () => {
  const large = (from: number) =>
    Array.from({ length: SMALL_WRITE_POINTS + 1 }, (_, i) => p(`o.s${(from + i) % 50}`, base + 100 + i, i));
  const order: string[] = [];
  const done = (name: string) => () => order.push(name);
  // Queued in one turn: one group commit, split.
  await Promise.all([
    store.write(large(0), 1000).then(done("large")),
    store.write([p("o.probe", base + 1, 1)], 1000).then(done("small")),
  ]);
  expect(order).toEqual(["small", "large"]);
  order.length = 0;
  // A small write to a series of a large one keeps its place: the later write of a ts wins.
  await Promise.all([
    store.write(large(0), 1000).then(done("large")),
    store.write([p("o.s1", base + 101, 99)], 1000).then(done("small")),
  ]);
  expect(order).toEqual(["large", "small"]);
  // o.s1: ts base + 101 (1, then 99) and base + 151 (51); the other order would leave 1.
  expect(await store.cells(["o.s1"], base)).toEqual([["o.s1", [base, 2, 150, 51, 99, 51]]]);
});

it("prunes PRUNE_ROWS rows a transaction: a write made meanwhile commits before the prune ends", async () => {
  // 2.5 × PRUNE_ROWS raw rows older than the cells' window (15 min and one coarsest bucket).
  const old = base - 20 * 60_000;
  const seconds = Math.ceil((2.5 * PRUNE_ROWS) / 100);
  for (let s = 0; s < seconds; s += 50) {
    const points: SeriesPoint[] = [];
    for (let k = s; k < Math.min(s + 50, seconds); k++)
      for (let i = 0; i < 100; i++) points.push(p(`r.s${i}`, old + k * 1000, k));
    await store.write(points, 1000);
  }
  const oldRows = () => count(`SELECT count(*) FROM raw WHERE t < ${base - 15 * 60_000}`);
  expect(oldRows()).toBe(100 * seconds);
  const pruning = store.prune(Date.now());
  await store.write([p("r.probe", Date.now(), 1)], 1000);
  const leftWhenWritten = oldRows();
  await pruning;
  expect(leftWhenWritten).toBeGreaterThan(0);
  expect(oldRows()).toBe(0);
});
