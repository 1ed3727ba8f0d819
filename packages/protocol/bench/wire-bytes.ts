/**
 * Bytes on the wire per publication, by codec and transport (issue 19): byte counts, not timings,
 * so the figures do not depend on the machine's load.
 * - json: the JSON frame a JSON connection gets (typed arrays as `{"$bin","b64"}` tags);
 * - json plain: the same data with plain number arrays (what a JSON-only app would publish);
 * - msgpack: the WebSocket binary frame; poll: that frame in a binary poll body;
 * - sse json / sse msgpack: the whole SSE event (`data: …\n\n`), msgpack as base64.
 * Run: npx tsx packages/protocol/bench/wire-bytes.ts
 */
import { BINARY_FRAME_HEADER_MAX, joinBinaryFrames, toBase64 } from "../src/index.js";
import { jsonCodec } from "../src/codec.js";
import { dataJson } from "../src/data-json.js";
import { msgpackCodec } from "../src/msgpack-codec.js";

const head = { c: "metrics.cpu", e: "k3f9x2", o: 123_456 };
const wave = (n: number) => Array.from({ length: n }, (_, i) => Math.sin(i / 7) * 100 + i / 3);

/** Each case: the data as published with typed arrays, and as plain JSON values. */
const cases: [string, unknown, unknown][] = [
  ["1000 f64 series", { series: new Float64Array(wave(1000)) }, { series: wave(1000) }],
  ["1000 f32 series", { series: new Float32Array(wave(1000)) }, { series: Array.from(new Float32Array(wave(1000))) }],
  ["4 KiB bytes", { png: new Uint8Array(4096).map((_, i) => (i * 31) & 255) }, null],
  [
    "10 i32 counters",
    { c: new Int32Array([1, 22, 333, 4444, 55555, 6, 77, 888, 9999, 0]) },
    { c: [1, 22, 333, 4444, 55555, 6, 77, 888, 9999, 0] },
  ],
  ["metric point (no arrays)", { name: "cpu", tags: { host: "web-1", dc: "eu" }, t: 1_733_230_000_000, v: 42.5 }, null],
];

const utf8 = (s: string) => Buffer.byteLength(s);
const rows = cases.map(([name, typed, plain]) => {
  const text = dataJson.stringify(typed, true);
  const json = jsonCodec.encodePublication(head, text);
  const jsonPlain = plain === null ? json : jsonCodec.encodePublication(head, JSON.stringify(plain));
  const msgpack = msgpackCodec.encodePublication(head, text);
  const poll = joinBinaryFrames([msgpack]).byteLength;
  const sseJson = utf8(`data: ${jsonPlain}\n\n`);
  const sseMsgpack = utf8(`data: ${toBase64(msgpack)}\n\n`);
  return {
    name,
    json: utf8(json),
    "json plain": utf8(jsonPlain),
    msgpack: msgpack.byteLength,
    poll,
    "sse json": sseJson,
    "sse msgpack": sseMsgpack,
  };
});
console.table(rows);
console.log(`(a poll body adds 2-${BINARY_FRAME_HEADER_MAX} header bytes per frame; "sse json" is of the plain data)`);
