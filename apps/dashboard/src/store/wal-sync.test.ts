import { fstatSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FdSync, WalSync } from "./wal-sync.js";

/** An fdatasync that finishes when the test says (`finish(i)`), recording each call. */
function heldSync() {
  const calls: Array<(err: NodeJS.ErrnoException | null) => void> = [];
  const sync: FdSync = (_fd, done) => {
    calls.push(done);
  };
  return { sync, calls, finish: (i: number, err: Error | null = null) => calls[i]?.(err) };
}

describe("the WAL's sync for the store thread's answers", () => {
  let dir = "";
  let file = "";
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "dashwire-walsync-"));
    file = join(dir, "db-wal");
    writeFileSync(file, "frames");
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("answers only after a sync that began after the answer was asked for, and groups those that wait", () => {
    const { sync, calls, finish } = heldSync();
    const wal = new WalSync(file, sync);
    const done: string[] = [];
    wal.after(() => done.push("a"));
    expect(calls).toHaveLength(1);
    // Asked while the first sync runs: that sync may have begun before their commits.
    wal.after(() => done.push("b"));
    wal.after(() => done.push("c"));
    expect(calls).toHaveLength(1);
    finish(0);
    expect(done).toEqual(["a"]);
    // One sync for both.
    expect(calls).toHaveLength(2);
    finish(1);
    expect(done).toEqual(["a", "b", "c"]);
    expect(calls).toHaveLength(2);
    wal.close();
  });

  it("hands the sync's error to every answer that waited on it", () => {
    const { sync, finish } = heldSync();
    const wal = new WalSync(file, sync);
    const errors: Array<Error | null> = [];
    wal.after((err) => errors.push(err));
    finish(0, new Error("EIO"));
    expect(errors.map((e) => e?.message)).toEqual(["EIO"]);
    wal.close();
  });

  it("syncs the real file", async () => {
    const wal = new WalSync(file);
    expect(await new Promise<Error | null>((resolve) => wal.after(resolve))).toBeNull();
    wal.close();
  });

  it("closes the file once the syncs asked for are done", () => {
    let fd = -1;
    const { sync, finish } = heldSync();
    const wal = new WalSync(file, (f, done) => {
      fd = f;
      sync(f, done);
    });
    wal.after(() => {});
    wal.close();
    // Still open while its sync runs.
    expect(fstatSync(fd).size).toBe(6);
    finish(0);
    expect(() => fstatSync(fd)).toThrow(expect.objectContaining({ code: "EBADF" }));
  });

  it("answers with the error when the file cannot be opened", () => {
    const wal = new WalSync(join(dir, "missing-wal"));
    const errors: Array<Error | null> = [];
    wal.after((err) => errors.push(err));
    expect((errors[0] as NodeJS.ErrnoException).code).toBe("ENOENT");
  });
});
