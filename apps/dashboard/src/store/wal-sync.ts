/**
 * The store thread's fsync of the WAL under `--sync full` (`sqlite-thread.ts`). Its connection
 * commits with `synchronous=NORMAL`: the commit writes the WAL frames to the kernel and returns,
 * so the point is visible to every reader (and published to panels) without waiting for the
 * disk, and the thread goes on with the next transaction. Each answer that must survive a power
 * cut then waits here for an `fdatasync` of the WAL file that began after its commit returned:
 * that flushes its frames (and any before them). One sync runs at a time; the answers that
 * queue meanwhile share the next one, as a group commit shares a commit.
 *
 * Why this is as safe as `synchronous=FULL`: the frames SQLite wrote are on disk before the
 * answer; the WAL is reused (its start overwritten) only after a checkpoint copied every frame
 * into the database file and synced it, which SQLite does at `NORMAL` as at `FULL` (the
 * checkpoint thread's connection runs at better-sqlite3's WAL default, `NORMAL`); and SQLite's
 * own ordering (no corruption on power loss at `NORMAL`) is untouched: this only adds syncs.
 * `fdatasync` rather than `fsync`, as PostgreSQL syncs its WAL on Linux by default: it flushes
 * the frames and the file's size, not its times.
 */
import { closeSync, fdatasync, openSync } from "node:fs";

/** The `fdatasync` used (replaceable in tests). */
export type FdSync = (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void;

/** Syncs one WAL file for the answers waiting on it; see the file comment. */
export class WalSync {
  private fd: number | undefined;
  private running = false;
  /** Answers waiting for the next sync (those of the running one are in its closure). */
  private waiting: Array<(err: Error | null) => void> = [];
  private closeWhenIdle = false;

  constructor(
    /** The WAL file (`<database>-wal`). */
    private readonly file: string,
    private readonly sync: FdSync = fdatasync,
  ) {}

  /** Calls `done` once an fdatasync of the WAL that began after this call finished (its error, if any). */
  after(done: (err: Error | null) => void): void {
    this.waiting.push(done);
    if (!this.running) this.run();
  }

  /** Closes the file once the syncs asked for are done. */
  close(): void {
    this.closeWhenIdle = true;
    if (!this.running) this.closeNow();
  }

  private run(): void {
    const batch = this.waiting;
    this.waiting = [];
    let fd: number;
    try {
      fd = this.fd ??= openSync(this.file, "r");
    } catch (err) {
      for (const done of batch) done(err as Error);
      return;
    }
    this.running = true;
    this.sync(fd, (err) => {
      this.running = false;
      for (const done of batch) done(err);
      // A `done` may have asked for another sync, which then runs already.
      if (this.running) return;
      if (this.waiting.length > 0) this.run();
      else if (this.closeWhenIdle) this.closeNow();
    });
  }

  private closeNow(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
