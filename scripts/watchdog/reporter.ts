/**
 * The test watchdog: a Vitest reporter (it runs in Vitest's main process) that turns a hung test
 * into a named failure. A test that blocks its worker's event loop (a library looping for ever on
 * a crafted input) cannot time out: Vitest's timeout is a timer in that same blocked loop, and the
 * run would wait until CI kills it, naming nothing. Every few seconds this reporter reads what each
 * worker is doing (written by scripts/watchdog/worker.ts); a test or step that has run longer than
 * `DASHWIRE_TEST_WATCHDOG_S` seconds (default 300; twice its own timeout when that is longer) is
 * printed as
 *   WATCHDOG: <file> > <test> has run for N s; killed its worker (pid P)
 * and its worker is killed (SIGKILL): Vitest reports the worker's exit as an error, exits non-zero,
 * and runs the other files on. `DASHWIRE_WATCHDOG_LOG=<file>` also appends each line there
 * (scripts/test.sh counts them as failures). See CONTRIBUTING.md, "Tests".
 */
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Reporter } from "vitest/reporters";
import type { WatchdogRecord } from "./worker.ts";

/** The limit when `DASHWIRE_TEST_WATCHDOG_S` is unset: far past testTimeout (30 s) and hookTimeout (60 s). */
export const DEFAULT_LIMIT_S = 300;

const DIR_PREFIX = "dashwire-watchdog-";

/** Removes the directories of runs that were killed before they could (their Vitest is gone). */
function removeOrphans(): void {
  for (const name of readdirSync(tmpdir())) {
    const owner = Number(/^dashwire-watchdog-(\d+)-/.exec(name)?.[1]);
    if (owner > 0 && !alive(owner)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

/** True while process `pid` exists (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM"; // exists, not ours
  }
}

/** The parent pid of `pid` (from /proc: Linux, where the suite runs), or undefined when it is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ")".
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/** Reads one worker record; undefined while it is being rewritten or when it is gone. */
function readRecord(path: string): WatchdogRecord | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as WatchdogRecord;
  } catch {
    return undefined;
  }
}

/** Names and kills a test worker stuck far past every timeout (see the file comment). */
export default class Watchdog implements Reporter {
  private readonly limitMs = Number(process.env.DASHWIRE_TEST_WATCHDOG_S || DEFAULT_LIMIT_S) * 1000;
  private dir: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Per worker pid: the step last read and when this process first saw it (its own clock). */
  private readonly seen = new Map<number, { file: string; step: number; at: number }>();

  onInit(): void {
    removeOrphans();
    this.dir = mkdtempSync(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`));
    // Workers are forked after this, with this environment: worker.ts finds the directory here.
    process.env.DASHWIRE_WATCHDOG_DIR = this.dir;
    const every = Math.min(Math.max(this.limitMs / 5, 200), 10_000);
    this.timer = setInterval(() => this.check(), every);
    this.timer.unref();
  }

  onTestRunEnd(): void {
    clearInterval(this.timer);
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
  }

  private check(): void {
    const dir = this.dir;
    if (dir === undefined) return;
    const names = readdirSync(dir);
    for (const pid of this.seen.keys()) if (!names.includes(String(pid))) this.seen.delete(pid);
    for (const name of names) {
      const pid = Number(name);
      // Only a live worker of this run: a record left by a worker that died, or a pid reused by
      // another process, is not ours to kill.
      if (parentOf(pid) !== process.pid) {
        rmSync(join(dir, name), { force: true });
        continue;
      }
      const r = readRecord(join(dir, name));
      if (r === undefined) continue;
      let seen = this.seen.get(pid);
      if (seen === undefined || seen.file !== r.file || seen.step !== r.step) {
        seen = { file: r.file, step: r.step, at: Date.now() };
        this.seen.set(pid, seen);
      }
      const ran = Date.now() - seen.at;
      if (ran <= Math.max(this.limitMs, 2 * r.timeout)) continue;
      rmSync(join(dir, name), { force: true });
      process.kill(pid, "SIGKILL");
      process.exitCode = 1;
      const line = `WATCHDOG: ${r.file} > ${r.doing} has run for ${Math.round(ran / 1000)} s; killed its worker (pid ${pid})`;
      process.stderr.write(`\n${line}\n`);
      if (process.env.DASHWIRE_WATCHDOG_LOG) appendFileSync(process.env.DASHWIRE_WATCHDOG_LOG, `${line}\n`);
    }
  }
}
