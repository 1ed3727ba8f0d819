/**
 * What a client spends to turn one SSE event's text into messages (issue 19), JSON vs msgpack
 * as base64: `JSON.parse` of the frame against `fromBase64` (atob, as in browsers) plus the
 * msgpack decode. CPU time (process.cpuUsage) of a batch, median of 15 batches; the cost of the
 * base64 step is printed apart.
 * Run: npx tsx packages/protocol/bench/sse-decode.ts
 */
import { fromBase64, jsonCodec, toBase64 } from "../src/index.js";
import { dataJson } from "../src/data-json.js";
import { msgpackCodec } from "../src/msgpack-codec.js";

const head = { c: "metrics.cpu", e: "k3f9x2", o: 123_456 };
const wave = (n: number) => Array.from({ length: n }, (_, i) => Math.sin(i / 7) * 100 + i / 3);
const cases: [string, unknown, unknown][] = [
  ["1000 f64 series", { series: new Float64Array(wave(1000)) }, { series: wave(1000) }],
  ["metric point (no arrays)", { name: "cpu", tags: { host: "web-1", dc: "eu" }, t: 1_733_230_000_000, v: 42.5 }, null],
];

/** Median CPU microseconds per call of `fn` over batches of `n` calls. */
function cpuPerCall(fn: () => unknown, n: number): number {
  const samples: number[] = [];
  for (let b = 0; b < 15; b++) {
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) fn();
    const used = process.cpuUsage(start);
    samples.push((used.user + used.system) / n);
  }
  samples.sort((a, b) => a - b);
  return samples[7] as number;
}

for (const [name, typed, plain] of cases) {
  const text = dataJson.stringify(typed, true);
  const json = jsonCodec.encodePublication(head, plain === null ? text : JSON.stringify(plain));
  const b64 = toBase64(msgpackCodec.encodePublication(head, text));
  const n = name.startsWith("1000") ? 300 : 20_000;
  const jsonUs = cpuPerCall(() => jsonCodec.decode(json), n);
  const base64Us = cpuPerCall(() => fromBase64(b64), n);
  const msgpackUs = cpuPerCall(() => msgpackCodec.decode(fromBase64(b64)), n);
  console.log(
    `${name}: json ${jsonUs.toFixed(2)} µs, msgpack+base64 ${msgpackUs.toFixed(2)} µs (base64 alone ${base64Us.toFixed(2)} µs)`,
  );
}
