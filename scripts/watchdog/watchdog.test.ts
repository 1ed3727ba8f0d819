/**
 * Issue 18: a test that hangs its worker becomes a named failure instead of a stalled run. Runs
 * Vitest on fixtures with the watchdog's limit at 3 s: one whose second test loops for ever (the
 * run ends, fails, and names the hung test, on stderr and in the log test.sh reads), and one that
 * sets the clock back to 1970 (not a hang: the watchdog times steps on its own clock).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "dashwire-watchdog-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs Vitest on one fixture (scripts/watchdog/fixture/<name>.fixture.ts); resolves when the Vitest process has exited. In a process
 * group of its own, so that if this test times out (the watchdog broken) the whole inner run, the
 * looping worker included, is killed rather than left spinning.
 */
function runFixture(name: string, log: string, signal: AbortSignal): Promise<{ code: number | null; output: string }> {
  // This test runs inside Vitest: the inner run must not take the outer one's worker settings.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VITEST")));
  const child = spawn(
    process.execPath,
    [
      "node_modules/vitest/vitest.mjs",
      "run",
      "--config",
      "scripts/watchdog/fixture/vitest.config.ts",
      "--reporter=default",
      "--reporter=./scripts/watchdog/reporter.ts",
      `scripts/watchdog/fixture/${name}.fixture.ts`,
    ],
    {
      cwd: root,
      detached: true,
      env: { ...env, NO_COLOR: "1", DASHWIRE_TEST_WATCHDOG_S: "3", DASHWIRE_WATCHDOG_LOG: log },
    },
  );
  signal.addEventListener("abort", () => process.kill(-(child.pid ?? 0), "SIGKILL"));
  let output = "";
  child.stdout.on("data", (b: Buffer) => (output += b));
  child.stderr.on("data", (b: Buffer) => (output += b));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, output })));
}

it("names a test that hangs its worker, kills the worker, and fails the run", async ({ signal }) => {
  const log = join(dir, "busy-loop.log");
  const { code, output } = await runFixture("busy-loop", log, signal);
  const named =
    /^WATCHDOG: scripts\/watchdog\/fixture\/busy-loop\.fixture\.ts > loops for ever has run for \d+ s; killed its worker \(pid \d+\)$/m;
  expect(output).toMatch(named);
  expect(readFileSync(log, "utf8")).toMatch(named);
  expect(readFileSync(log, "utf8").trim().split("\n")).toHaveLength(1);
  expect(code).not.toBe(0);
}, 120_000);

it("takes no test for a hang because it set the clock back years", async ({ signal }) => {
  const log = join(dir, "fake-clock.log");
  const { code, output } = await runFixture("fake-clock", log, signal);
  expect(output).not.toMatch(/WATCHDOG/);
  expect(existsSync(log)).toBe(false);
  expect(output).toMatch(/Tests {2}2 passed/);
  expect(code).toBe(0);
}, 120_000);
