import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { frameTextArb, httpInputArb, wireInputArb } from "./fuzz/arbitraries.js";
import { type ProcessWatch, type TestServer, watchProcess } from "./fuzz/harness.js";
import { HttpFuzzer } from "./fuzz/http-target.js";
import { isKnownFrameCrasher } from "./fuzz/known-crashers.js";
import { checkProtocolFrame } from "./fuzz/protocol-target.js";
import { TextFuzzer, textInputArb } from "./fuzz/text-target.js";
import { startFuzzServer, WireFuzzer } from "./fuzz/wire-target.js";

/**
 * The small fuzz run of the normal suite (a few thousand inputs per target). The dedicated run
 * with ≥100,000 inputs per target is `npx tsx packages/server/test/fuzz/run-long.ts`. Inputs that
 * crash the server today are skipped and counted (see fuzz/known-crashers.ts and
 * security-gaps.test.ts).
 */

/**
 * Timeout of each fuzz run: a guard against a hung run, not a speed target. Their work is fixed
 * (5,000 frames decoded; 1,500 wire inputs, each a round trip to the sentinel; 400 text, 800 HTTP):
 * the wire run takes about 10 s on a quiet machine and took 28-31 s (past Vitest's default 30 s)
 * on this 2-core machine with every helper's suite running. Liveness is each input's own check:
 * the server must answer within 5 s.
 */
const FUZZ_RUN_TIMEOUT_MS = 120_000;

let t: TestServer | undefined;
let watch: ProcessWatch;

beforeEach(() => {
  watch = watchProcess();
});

afterEach(async () => {
  watch.stop();
  await t?.server.close();
  t = undefined;
});

describe("fuzz", { timeout: FUZZ_RUN_TIMEOUT_MS }, () => {
  it("decoder + validator: never throw but CodecError; every rejection a coded Violation", () => {
    let skipped = 0;
    let codecErrors = 0;
    let violations = 0;
    let accepted = 0;
    fc.assert(
      fc.property(frameTextArb, (frame) => {
        if (isKnownFrameCrasher(frame)) {
          skipped++;
          return;
        }
        const out = checkProtocolFrame(frame);
        if (out.codecError) codecErrors++;
        violations += out.violations;
        accepted += out.accepted;
      }),
      { numRuns: 5000 },
    );
    // The generators must reach every outcome, or the property proves little.
    expect(codecErrors).toBeGreaterThan(100);
    expect(violations).toBeGreaterThan(1000);
    expect(accepted).toBeGreaterThan(500);
    expect(skipped).toBeLessThan(500);
  });

  it("live server over WebSocket: zero crashes, every error coded, a bystander keeps working", async () => {
    t = await startFuzzServer();
    const fuzzer = new WireFuzzer(t.url, true);
    try {
      await fc.assert(
        fc.asyncProperty(wireInputArb, async (input) => {
          await fuzzer.run(input);
          if (fuzzer.stats.inputs % 100 === 0) await fuzzer.checkBystander();
          expect(watch.failures).toEqual([]);
        }),
        { numRuns: 1500, endOnFailure: true },
      );
      await fuzzer.checkBystander();
    } finally {
      fuzzer.close();
    }
    const s = fuzzer.stats;
    expect(watch.failures).toEqual([]);
    expect(s.errorReplies).toBeGreaterThan(500);
    expect(s.okAcks).toBeGreaterThan(100);
    expect(s.inputs + s.skippedKnown).toBe(1500);
    expect(s.skippedKnown).toBeLessThan(300);
    console.log("wire fuzz", JSON.stringify(s));
  });

  it("text into byte-limited fields (close reasons, errors, JWT headers): cut by bytes, never a crash", async () => {
    t = await startFuzzServer();
    const fuzzer = new TextFuzzer(t);
    try {
      await fc.assert(
        fc.asyncProperty(textInputArb, async (input) => {
          await fuzzer.run(input);
          expect(watch.failures).toEqual([]);
        }),
        { numRuns: 400, endOnFailure: true },
      );
    } finally {
      fuzzer.close();
    }
    expect(watch.failures).toEqual([]);
    // The generators must reach the limits, or the property proves little.
    expect(fuzzer.stats.cut).toBeGreaterThan(20);
    console.log("text fuzz", JSON.stringify(fuzzer.stats));
  });

  it("HTTP routes (health, metrics, SSE, polling, upgrade): allowed statuses only, health stays up", async () => {
    t = await startFuzzServer();
    const fuzzer = new HttpFuzzer(t, true);
    await fc.assert(
      fc.asyncProperty(httpInputArb, async (input) => {
        await fuzzer.run(input);
        if (fuzzer.stats.inputs % 100 === 0) await fuzzer.checkHealth();
        expect(watch.failures).toEqual([]);
      }),
      { numRuns: 800, endOnFailure: true },
    );
    await fuzzer.checkHealth();
    expect(watch.failures).toEqual([]);
    expect(Object.keys(fuzzer.stats.statuses).length).toBeGreaterThan(3);
    console.log("http fuzz", JSON.stringify(fuzzer.stats));
  });
});
