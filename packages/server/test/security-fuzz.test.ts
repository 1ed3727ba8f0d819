import { type Frame, jsonCodec } from "@dashwire/protocol";
import { msgpackCodec } from "@dashwire/protocol/msgpack";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { frameTextArb, wireInputArb } from "./fuzz/arbitraries.js";
import { type ProcessWatch, type TestServer, watchProcess } from "./fuzz/harness.js";
import { HttpFuzzer } from "./fuzz/http-target.js";
import { isKnownFrameCrasher } from "./fuzz/known-crashers.js";
import { httpAnyInputArb, msgpackFrameArb } from "./fuzz/msgpack-arbitraries.js";
import { checkProtocolFrame } from "./fuzz/protocol-target.js";
import { TextFuzzer, textInputArb } from "./fuzz/text-target.js";
import { fuzzServerOptions, startFuzzServer, WireFuzzer } from "./fuzz/wire-target.js";

/**
 * The small fuzz run of the normal suite (a few thousand inputs per target). The dedicated run
 * with ≥100,000 inputs per target is `npx tsx packages/server/test/fuzz/run-long.ts`. Inputs that
 * crash the server today are skipped and counted (see fuzz/known-crashers.ts and
 * security-gaps.test.ts).
 */

/**
 * Timeout of each fuzz run: a guard against a hung run, not a speed target. Their work is fixed
 * (5,000 JSON and 3,000 msgpack frames decoded; 1,500 wire inputs per codec, each a round trip to the sentinel; 400 text, 800 HTTP):
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
  // JSON: the text frames (known crashers skipped, counted); msgpack: binary frames (issue 19).
  const decoders = [
    { name: "json", arb: frameTextArb as fc.Arbitrary<Frame>, codec: jsonCodec, runs: 5000, min: [100, 1000, 500] },
    {
      name: "msgpack",
      arb: msgpackFrameArb as fc.Arbitrary<Frame>,
      codec: msgpackCodec,
      runs: 3000,
      min: [300, 500, 300],
    },
  ];
  it.each(decoders)("$name decoder + validator: never throw but CodecError; every rejection a coded Violation", (d) => {
    let skipped = 0;
    const counts = { codecErrors: 0, violations: 0, accepted: 0 };
    fc.assert(
      fc.property(d.arb, (frame) => {
        if (typeof frame === "string" && isKnownFrameCrasher(frame)) {
          skipped++;
          return;
        }
        const out = checkProtocolFrame(frame, d.codec);
        if (out.codecError) counts.codecErrors++;
        counts.violations += out.violations;
        counts.accepted += out.accepted;
      }),
      { numRuns: d.runs },
    );
    // The generators must reach every outcome, or the property proves little.
    const [codecErrors, violations, accepted] = d.min as [number, number, number];
    expect(counts.codecErrors).toBeGreaterThan(codecErrors);
    expect(counts.violations).toBeGreaterThan(violations);
    expect(counts.accepted).toBeGreaterThan(accepted);
    expect(skipped).toBeLessThan(500);
    console.log(`${d.name} decoder fuzz`, JSON.stringify(counts));
  });

  it.each([
    ["json", undefined],
    ["msgpack", msgpackCodec],
  ] as const)(
    "live server over WebSocket (%s): zero crashes, every error coded, a bystander keeps working",
    async (_name, codec) => {
      t = await startFuzzServer();
      const fuzzer = new WireFuzzer(t.url, true, undefined, codec);
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
    },
  );

  it("a coded refusal of the sentinel is an answer: an input that uses up the rate limit is no silence", async () => {
    // Three tokens that do not come back during the test: the input's three events take them,
    // the sentinel is refused with a coded RateLimited ack (the fuzz server allows 5000 msgs/s,
    // and a fuzz input can hit that). It used to count only a successful ack, wait 5 s and fail.
    t = await startFuzzServer({ ...fuzzServerOptions, limits: { messagesPerSecond: 0.001, messageBurst: 3 } });
    const fuzzer = new WireFuzzer(t.url, false);
    const echo = (id: number) => ({ kind: "text" as const, text: JSON.stringify({ t: "evt", event: "echo", id }) });
    try {
      await fuzzer.run({ preHandshake: false, frames: [echo(1), echo(2), echo(3)] });
    } finally {
      fuzzer.close();
    }
    expect(fuzzer.stats.errorReplies).toBeGreaterThanOrEqual(1); // the sentinel's refusal, at least
    expect(fuzzer.stats.closes).toEqual({});
    expect(watch.failures).toEqual([]);
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
      fc.asyncProperty(httpAnyInputArb, async (input) => {
        await fuzzer.run(input);
        if (fuzzer.stats.inputs % 100 === 0) await fuzzer.checkHealth();
        expect(watch.failures).toEqual([]);
      }),
      { numRuns: 800, endOnFailure: true },
    );
    await fuzzer.checkHealth();
    expect(watch.failures).toEqual([]);
    expect(Object.keys(fuzzer.stats.statuses).length).toBeGreaterThan(3);
    // Binary bodies reach both outcomes of the binary path: taken (204) and refused (400/413).
    expect(fuzzer.stats.binary["204"]).toBeGreaterThan(0);
    expect(fuzzer.stats.binary["400"]).toBeGreaterThan(0);
    console.log("http fuzz", JSON.stringify(fuzzer.stats));
  });
});
