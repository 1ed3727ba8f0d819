import { expect, it } from "vitest";
import { ABUSE_PHASES, abuseTable, runAbuse } from "../src/abuse/abuse-run.js";
import { benchDefaults } from "../src/bench-options.js";

it("abuse: every phase measures round trips while its abusers run and get refused", async () => {
  const o = { ...benchDefaults, serverCpus: "", loadCpus: "", durationS: 1.5 };
  const phases = await runAbuse(o, () => {}, { rounds: 1, settleMs: 100 });
  expect(phases.map((p) => p.phase)).toEqual(ABUSE_PHASES.map((p) => p.phase));
  for (const p of phases) {
    expect(p.samples, p.phase).toBeGreaterThan(20);
    expect(p.p99Ms, p.phase).toBeGreaterThan(0);
    expect(p.serverRssMaxMB, p.phase).toBeGreaterThan(10);
  }
  const [quiet, flood, connections, bigframe] = phases;
  expect(quiet?.abusers).toEqual({});
  expect(quiet?.p99VsQuiet).toBe(1);
  // Each abuser abused and met its limit: rate-limited publishes, refused connections, cut frames.
  expect(flood?.abusers.flood?.messagesSent).toBeGreaterThan(10_000);
  expect(flood?.abusers.flood?.rateLimitedFrames).toBeGreaterThan(0);
  expect(connections?.abusers.connections?.http429).toBeGreaterThan(0);
  expect(bigframe?.abusers.bigframe?.close1009).toBeGreaterThanOrEqual(1);
  expect(abuseTable(phases).split("\n")).toHaveLength(2 + ABUSE_PHASES.length);
}, 60_000);
