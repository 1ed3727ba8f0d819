import type { Codec } from "@dashwire/protocol";
import { msgpackCodec } from "@dashwire/protocol/msgpack";
import fc from "fast-check";
import { frameTextArb, type WireInput, wireInputArb } from "./arbitraries.js";
import { type ProcessWatch, type TestServer, watchProcess } from "./harness.js";
import { HttpFuzzer } from "./http-target.js";
import { isKnownFrameCrasher, isKnownHttpCrasher, isKnownWireCrasher } from "./known-crashers.js";
import { httpAnyInputArb, msgpackFrameArb } from "./msgpack-arbitraries.js";
import { checkProtocolFrame } from "./protocol-target.js";
import { TextFuzzer, textInputArb } from "./text-target.js";
import { startFuzzServer, WireFuzzer } from "./wire-target.js";

/** Closes a fuzz server; a close that hangs (sockets left behind by a crash) is a failure too. */
async function closeServer(t: TestServer, failures: Failures): Promise<void> {
  const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 5000));
  if ((await Promise.race([t.server.close(), timeout])) === "timeout")
    failures.add(new Error("server.close() did not finish within 5 s"), "close");
}

/**
 * The arbitrary itself, or (skipping known crashers) one that filters them out while counting
 * them, so `numRuns` counts only inputs that were really sent: ≥100,000 means sent.
 */
function withoutKnown<T>(arb: fc.Arbitrary<T>, o: LongRunOptions, known: (v: T) => boolean, skipped: { n: number }) {
  if (o.includeKnown) return arb;
  return arb.filter((v) => {
    if (!known(v)) return true;
    skipped.n++;
    return false;
  });
}

/** Settings of the long run, from the command line. */
interface LongRunOptions {
  runs: number;
  seed: number;
  targets: string[];
  includeKnown: boolean;
}

/** Broken contracts grouped by kind, with one example each. */
class Failures {
  readonly byKind = new Map<string, { count: number; example: string }>();

  add(err: unknown, input: unknown): void {
    const text = err instanceof Error ? err.message : String(err);
    const kind = text.split("\n")[0]?.slice(0, 120) ?? "?";
    const entry = this.byKind.get(kind);
    if (entry !== undefined) entry.count++;
    else this.byKind.set(kind, { count: 1, example: JSON.stringify(input)?.slice(0, 300) ?? "" });
  }

  /** Moves process-level failures (uncaught exceptions, unhandled rejections) in. */
  drain(watch: ProcessWatch, input: unknown): number {
    const n = watch.failures.length;
    for (const f of watch.failures.splice(0)) this.add(new Error(`${f.kind}: ${String(f.error)}`), input);
    return n;
  }

  get total(): number {
    let n = 0;
    for (const e of this.byKind.values()) n += e.count;
    return n;
  }
}

function parse(args: string[]): LongRunOptions {
  const value = (name: string) => {
    const i = args.indexOf(name);
    return i < 0 ? undefined : args[i + 1];
  };
  return {
    runs: Number(value("--runs") ?? 100_000),
    seed: Number(value("--seed") ?? Date.now() % 2 ** 31),
    targets: (value("--targets") ?? "protocol,msgpack,wire,wire-msgpack,http,text").split(","),
    includeKnown: args.includes("--include-known"),
  };
}

function report(target: string, started: number, counts: Record<string, unknown>, failures: Failures): void {
  const seconds = (performance.now() - started) / 1000;
  console.log(`\n== ${target}: ${seconds.toFixed(1)} s`);
  for (const [k, v] of Object.entries(counts)) console.log(`   ${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`);
  console.log(`   failures: ${failures.total}`);
  for (const [kind, { count, example }] of failures.byKind)
    console.log(`     ${count} × ${kind}\n       e.g. ${example}`);
}

async function protocolTarget(o: LongRunOptions): Promise<number> {
  const started = performance.now();
  const failures = new Failures();
  const counts = { inputs: 0, skippedKnown: 0, codecErrors: 0, accepted: 0, violations: 0 };
  const skipped = { n: 0 };
  fc.assert(
    fc.property(withoutKnown(frameTextArb, o, isKnownFrameCrasher, skipped), (frame) => {
      counts.inputs++;
      try {
        const out = checkProtocolFrame(frame);
        if (out.codecError) counts.codecErrors++;
        counts.accepted += out.accepted;
        counts.violations += out.violations;
      } catch (err) {
        failures.add(err, frame.length > 300 ? `${frame.slice(0, 150)}…(${frame.length} chars)` : frame);
      }
    }),
    { numRuns: o.runs, seed: o.seed },
  );
  counts.skippedKnown = skipped.n;
  report("decoder + validator", started, counts, failures);
  return failures.total;
}

/** The MessagePack decoder + validator (issue 19): no known crashers to skip. */
async function msgpackTarget(o: LongRunOptions): Promise<number> {
  const started = performance.now();
  const failures = new Failures();
  const counts = { inputs: 0, codecErrors: 0, accepted: 0, violations: 0 };
  fc.assert(
    fc.property(msgpackFrameArb, (frame) => {
      counts.inputs++;
      try {
        const out = checkProtocolFrame(frame, msgpackCodec);
        if (out.codecError) counts.codecErrors++;
        counts.accepted += out.accepted;
        counts.violations += out.violations;
      } catch (err) {
        failures.add(err, Buffer.from(frame.subarray(0, 150)).toString("hex"));
      }
    }),
    { numRuns: o.runs, seed: o.seed },
  );
  report("msgpack decoder + validator", started, counts, failures);
  return failures.total;
}

async function wireTarget(o: LongRunOptions, codec?: Codec): Promise<number> {
  const started = performance.now();
  const failures = new Failures();
  const t = await startFuzzServer();
  const watch = watchProcess();
  const fuzzer = new WireFuzzer(t.url, !o.includeKnown, () => watch.failures.length > 0, codec);
  let bystanderChecks = 0;
  const skipped = { n: 0 };
  const known = (input: WireInput) => input.frames.some(isKnownWireCrasher);
  try {
    await fc.assert(
      fc.asyncProperty(withoutKnown(wireInputArb, o, known, skipped), async (input) => {
        try {
          await fuzzer.run(input);
        } catch (err) {
          failures.add(err, input);
        }
        failures.drain(watch, input);
        if (fuzzer.stats.inputs % 1000 === 0) {
          try {
            await fuzzer.checkBystander();
            bystanderChecks++;
          } catch (err) {
            failures.add(err, "bystander");
          }
          process.stdout.write(".");
        }
      }),
      { numRuns: o.runs, seed: o.seed },
    );
    await fuzzer.checkBystander();
    bystanderChecks++;
  } finally {
    fuzzer.close();
    await closeServer(t, failures);
    failures.drain(watch, "close");
    watch.stop();
  }
  fuzzer.stats.skippedKnown = skipped.n;
  report(
    `live server over WebSocket (${codec?.name ?? "json"})`,
    started,
    { ...fuzzer.stats, bystanderChecks },
    failures,
  );
  return failures.total;
}

async function httpTarget(o: LongRunOptions): Promise<number> {
  const started = performance.now();
  const failures = new Failures();
  const t = await startFuzzServer();
  const watch = watchProcess();
  const fuzzer = new HttpFuzzer(t, !o.includeKnown);
  let healthChecks = 0;
  const skipped = { n: 0 };
  try {
    await fc.assert(
      fc.asyncProperty(withoutKnown(httpAnyInputArb, o, isKnownHttpCrasher, skipped), async (input) => {
        try {
          await fuzzer.run(input);
        } catch (err) {
          failures.add(err, input);
        }
        failures.drain(watch, input);
        if (fuzzer.stats.inputs % 1000 === 0) {
          try {
            await fuzzer.checkHealth();
            healthChecks++;
          } catch (err) {
            failures.add(err, "healthz");
          }
          process.stdout.write(".");
        }
      }),
      { numRuns: o.runs, seed: o.seed },
    );
  } finally {
    await fuzzer.finish().catch((err: unknown) => failures.add(err, "finish"));
    await closeServer(t, failures);
    failures.drain(watch, "close");
    watch.stop();
  }
  fuzzer.stats.skippedKnown = skipped.n;
  report("HTTP routes", started, { ...fuzzer.stats, healthChecks }, failures);
  return failures.total;
}

async function textTarget(o: LongRunOptions): Promise<number> {
  const started = performance.now();
  const failures = new Failures();
  const t = await startFuzzServer();
  const watch = watchProcess();
  const fuzzer = new TextFuzzer(t);
  try {
    await fc.assert(
      fc.asyncProperty(textInputArb, async (input) => {
        try {
          await fuzzer.run(input);
        } catch (err) {
          failures.add(err, input);
        }
        failures.drain(watch, input);
        if (fuzzer.stats.inputs % 1000 === 0) process.stdout.write(".");
      }),
      { numRuns: o.runs, seed: o.seed },
    );
  } finally {
    fuzzer.close();
    await closeServer(t, failures);
    failures.drain(watch, "close");
    watch.stop();
  }
  report("text into byte-limited fields", started, { ...fuzzer.stats }, failures);
  return failures.total;
}

/** Runs the selected targets; returns the process exit code. */
export async function runLong(args: string[]): Promise<number> {
  const o = parse(args);
  console.log(
    `dashwire fuzz: ${o.runs} inputs per target, seed ${o.seed}, targets ${o.targets.join(",")}, ` +
      `known crashers ${o.includeKnown ? "included" : "skipped"}; node ${process.version}`,
  );
  let failed = 0;
  if (o.targets.includes("protocol")) failed += await protocolTarget(o);
  if (o.targets.includes("msgpack")) failed += await msgpackTarget(o);
  if (o.targets.includes("wire")) failed += await wireTarget(o);
  if (o.targets.includes("wire-msgpack")) failed += await wireTarget(o, msgpackCodec);
  if (o.targets.includes("http")) failed += await httpTarget(o);
  if (o.targets.includes("text")) failed += await textTarget(o);
  console.log(`\n${failed === 0 ? "OK" : "FAILED"}: ${failed} broken contracts`);
  return failed === 0 ? 0 : 1;
}
