import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const primary = fileURLToPath(new URL("./dead-worker-primary.ts", import.meta.url));
const slowPrimary = fileURLToPath(new URL("./slow-worker-primary.ts", import.meta.url));

/** Runs a primary script (dead-worker-primary.ts in `mode`); resolves with its exit code and output. */
function runPrimary(mode: string, script = primary): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", script, mode], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.on("exit", (code) => resolve({ code, out }));
  });
}

// Issue 18: `dashwire start` exited 1 on SIGTERM about once in three full test runs. Two workers
// stopping together die within a millisecond; the primary noticed one exit, announced a new
// leader to the other (dead too, not yet noticed, so `isConnected()` was still true), and the
// write failed with EPIPE as an unhandled `error` event that crashed the primary.
describe.skipIf(!existsSync("/proc/self/stat"))("ClusterSupervisor and a worker that died unnoticed", () => {
  it.each([
    ["broadcast", "a broadcast to it"],
    ["direct", "the app's own send to it (Worker.send without a callback)"],
    ["shutdown", "the shutdown message to it"],
  ])(
    "%s: %s does not crash the primary; the shutdown sees every worker exit 0",
    async (mode) => {
      const { code, out } = await runPrimary(mode);
      expect(out).not.toMatch(/EPIPE/);
      expect(out.trim().split("\n").at(-1), out).toBe("stopped true");
      expect(code).toBe(0);
    },
    60_000,
  );
});

// Issue 18, the other way `dashwire start` exited 1 on SIGTERM: a cluster worker drops IPC
// messages that come before its `message` listener exists, so a worker still loading (just
// started or restarted) lost the shutdown, ran on, and was killed at the timeout.
describe("ClusterSupervisor and workers still loading", () => {
  it("a shutdown asked before the workers listen reaches them: every worker exits 0, no kill at the timeout", async () => {
    const { code, out } = await runPrimary("", slowPrimary);
    const [, ok, ms] = /stopped (\w+) (\d+)/.exec(out) ?? [];
    expect(ok, out).toBe("true");
    // Told when they listened, not killed at the 30 s timeout nor gone by themselves at 10 s.
    expect(Number(ms)).toBeLessThan(10_000);
    expect(code).toBe(0);
  }, 60_000);
});
