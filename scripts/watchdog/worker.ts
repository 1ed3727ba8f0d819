/**
 * The worker half of the test watchdog (scripts/watchdog/reporter.ts), run by Vitest as a setup
 * file before every test file. It writes, synchronously, what this worker process is doing to
 * `$DASHWIRE_WATCHDOG_DIR/<pid>`: the test file and the test (or the step between tests).
 * Synchronously, because a test that hangs blocks this process's event loop for good: Vitest
 * batches its own "test started" events behind a 100 ms timer, so a test that hangs at once is
 * never reported as started; this record is already on disk.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, afterEach, beforeEach, expect } from "vitest";

/** What a worker is doing, as the reporter reads it. */
export interface WatchdogRecord {
  /** The test file, relative to the repository root. */
  file: string;
  /** The test running, or the step between tests ("loading the file", "after <test>"). */
  doing: string;
  /**
   * Counts this file's steps: a new value is a new step. Not a time: tests fake `Date` (set
   * back years, or stopped), so the reporter times each step on its own clock from when it
   * first sees it.
   */
  step: number;
  /** The longest it may legitimately take, ms (the test's own timeout). */
  timeout: number;
}

const dir = process.env.DASHWIRE_WATCHDOG_DIR;
if (dir !== undefined && dir !== "") {
  const record = join(dir, String(process.pid));
  const file = relative(process.cwd(), expect.getState().testPath ?? "(unknown file)");
  let step = 0;
  const write = (doing: string, timeout: number): void => {
    const r: WatchdogRecord = { file, doing, step: ++step, timeout };
    writeFileSync(record, JSON.stringify(r));
  };
  write("loading the file", 0);
  beforeEach((ctx) => write(ctx.task.fullTestName, ctx.task.timeout));
  afterEach((ctx) => write(`after "${ctx.task.fullTestName}"`, 0));
  // The file is done: this worker may idle or take another file, neither is a hang.
  afterAll(() => rmSync(record, { force: true }));
}
