import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MessageChannel } from "node:worker_threads";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { until } from "../../../../packages/server/test/until.js";
import { type SqliteStoreOptions, sqliteStoreDefaults } from "./sqlite-store.js";
import {
  packCells,
  SeriesPacker,
  SeriesTable,
  serveStore,
  type ThreadCall,
  type ThreadOp,
  type ThreadReply,
  unpackCells,
} from "./sqlite-thread.js";
import type { BucketTuple, SeriesPoint } from "./store.js";
import { WalSync } from "./wal-sync.js";

const point = (n: number, value: number): SeriesPoint => ({
  id: `p.s${n},host=h${n}`,
  name: `p.s${n}`,
  tags: n % 2 === 0 ? undefined : { host: `h${n}` },
  value,
  ts: 1_000 + value,
});

/** Packs and unpacks like the two threads, through a structured clone. */
function roundTrip(packer: SeriesPacker, table: SeriesTable, points: SeriesPoint[]) {
  const packed = structuredClone(packer.pack(points));
  return { packed, out: table.unpack(packed) };
}

describe("the series table between the serving thread and the store thread", () => {
  it("sends a series' text once, then its index only", () => {
    const packer = new SeriesPacker();
    const table = new SeriesTable();
    const a = [point(1, 1), point(2, 2), point(1, 3)];
    const first = roundTrip(packer, table, a);
    expect(first.out).toEqual(a);
    expect(first.packed.fresh).toEqual(["p.s1,host=h1", "p.s1", '{"host":"h1"}', "p.s2,host=h2", "p.s2", ""]);
    const b = [point(2, 4), point(3, 5), point(1, 6)];
    const second = roundTrip(packer, table, b);
    expect(second.out).toEqual(b);
    expect(second.packed.fresh).toEqual(["p.s3,host=h3", "p.s3", '{"host":"h3"}']);
    expect([...second.packed.which]).toEqual([1, 2, 0]);
  });

  it("starts both tables over past its bound", () => {
    const packer = new SeriesPacker(4);
    const table = new SeriesTable();
    for (let round = 0; round < 5; round++) {
      const points = [point(round, round), point(round + 10, round), point(round + 20, round)];
      const { packed, out } = roundTrip(packer, table, points);
      expect(out).toEqual(points);
      expect(packed.which.every((k) => k < 4)).toBe(true);
    }
  });
});

describe("the answer to cells between the threads", () => {
  it("keeps each cell with its id, leaves out those with none, and keeps repeated ids", () => {
    const ids = ["a", "b", "c", "a", "d"];
    const cell = (v: number): BucketTuple => [1000, v, v, v, v, v];
    const found: Array<[string, BucketTuple]> = [
      ["a", cell(1)],
      ["c", cell(3)],
      ["a", cell(1)],
      ["d", cell(-0.5)],
    ];
    const packed = structuredClone(packCells(ids, found));
    expect(packed).toBeInstanceOf(Float64Array);
    expect(unpackCells(ids, packed)).toEqual(found);
    expect(unpackCells(["x"], packCells(["x"], []))).toEqual([]);
  });
});

describe("the store thread's answers under --sync full", () => {
  let dir = "";
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "dashwire-serve-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * The store thread's loop, run here on a `MessageChannel`, with a WAL sync that finishes when
   * the test says: the replies it posted so far, and a call to post.
   */
  async function serving(sync: SqliteStoreOptions["sync"]) {
    const { port1, port2 } = new MessageChannel();
    const held: Array<(err: Error | null) => void> = [];
    let walSyncs = 0;
    serveStore(port1, { ...sqliteStoreDefaults, dataDir: dir, sync }, (file) => {
      walSyncs++;
      return new WalSync(file, (_fd, done) => held.push(done));
    });
    const replies: ThreadReply[] = [];
    port2.on("message", (r: ThreadReply) => replies.push(r));
    await until(() => replies.length === 1);
    expect(replies.shift()).toEqual({ id: "ready" });
    let next = 0;
    const call = (op: ThreadOp, args: unknown[]) => {
      const id = next++;
      port2.postMessage({ id, op, args } satisfies ThreadCall);
      return id;
    };
    const close = async () => {
      call("close", []);
      await until(() => held.length > 0 || replies.some((r) => r.id === next - 1));
      for (const done of held.splice(0)) done(null);
      port2.close();
    };
    return { replies, held, call, close, walSyncs: () => walSyncs };
  }

  const t = Math.floor(Date.now() / 1000) * 1000 - 5000;
  const packed = () => new SeriesPacker().pack([{ id: "d.a", name: "d.a", tags: undefined, value: 4, ts: t + 1 }]);

  it("sends a write's cells at its commit and its end only after the WAL's sync; reads do not wait", async () => {
    const s = await serving("full");
    const w = s.call("writeAndRead", [packed(), 10, ["d.a"]]);
    await until(() => s.replies.length === 1 && s.held.length === 1);
    expect(s.replies[0]).toMatchObject({
      id: w,
      ok: true,
      committed: true,
      value: { refusals: [], cells: [["d.a", [t, 1, 4, 4, 4, 4]]] },
    });
    // Committed: a read sees it, answered while the sync is still held.
    const q = s.call("query", ["d.a", 0, t, t + 1000, 10]);
    await until(() => s.replies.length === 2);
    expect(s.replies[1]).toMatchObject({ id: q, ok: true, value: [[t, 1, 4, 4, 4, 4]] });
    // A dashboard's write waits too (the next sync: the held one may have begun before it).
    const d = s.call("putDashboard", ["dash", "{}", { kind: "any" }, 10]);
    await new Promise((r) => setTimeout(r, 50));
    expect(s.replies).toHaveLength(2);
    (s.held.shift() as (err: Error | null) => void)(null);
    await until(() => s.replies.length === 3);
    expect(s.replies[2]).toEqual({ id: w, ok: true, value: undefined, stats: expect.anything() });
    await until(() => s.held.length === 1);
    (s.held.shift() as (err: Error | null) => void)(null);
    await until(() => s.replies.length === 4);
    expect(s.replies[3]).toMatchObject({ id: d, ok: true });
    await s.close();
  });

  it("answers a write whose sync failed with a coded StoreError", async () => {
    const s = await serving("full");
    const w = s.call("write", [packed(), 10]);
    await until(() => s.held.length === 1);
    expect(s.replies).toEqual([]);
    (s.held.shift() as (err: Error | null) => void)(Object.assign(new Error("EIO: i/o error"), { code: "EIO" }));
    await until(() => s.replies.length === 1);
    expect(s.replies[0]).toMatchObject({ id: w, ok: false, error: { kind: "full" } });
    await s.close();
  });

  it("under --sync normal answers at the commit, with no sync of its own", async () => {
    const s = await serving("normal");
    const w = s.call("writeAndRead", [packed(), 10, ["d.a"]]);
    await until(() => s.replies.length === 1);
    expect(s.replies[0]).toEqual({
      id: w,
      ok: true,
      value: { refusals: [], cells: [["d.a", [t, 1, 4, 4, 4, 4]]] },
      stats: expect.anything(),
    });
    expect(s.walSyncs()).toBe(0);
    await s.close();
  });
});
