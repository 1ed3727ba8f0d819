import { encode } from "@msgpack/msgpack";
import { BINARY_BODY_TYPE, joinBinaryFrames } from "@dashwire/protocol";
import { msgpackCodec } from "@dashwire/protocol/msgpack";
import fc from "fast-check";
import { frameTextArb, type HttpInput, httpInputArb } from "./arbitraries.js";

/**
 * Inputs of the MessagePack decoder target (issue 19): the JSON target's frames re-encoded as
 * msgpack (the same messages, valid and not), the same with bytes flipped, cut or appended,
 * raw bytes, typed-array extensions of every kind and of partial elements, nesting bombs far
 * past the 64-level bound, and headers that claim more than the frame holds.
 */

const utf8 = new TextEncoder();

/** The msgpack encoding of a JSON frame's value; the text's bytes when it is not JSON. */
function toMsgpack(text: string): Uint8Array {
  try {
    return encode(JSON.parse(text), { maxDepth: 10_000 });
  } catch {
    return utf8.encode(text);
  }
}

const encodedArb = frameTextArb.map(toMsgpack);

/** Byte edits: overwrite at a position, then cut or extend. */
const mutatedArb = fc
  .tuple(
    encodedArb,
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
    fc.oneof(fc.constant(-1), fc.nat({ max: 300 })),
    fc.uint8Array({ maxLength: 8 }),
  )
  .map(([bytes, edits, cut, tail]) => {
    const out = Uint8Array.from(bytes);
    for (const [at, value] of edits) if (out.length > 0) out[at % out.length] = value;
    const kept = cut < 0 ? out : out.subarray(0, cut % (out.length + 1));
    const joined = new Uint8Array(kept.length + tail.length);
    joined.set(kept);
    joined.set(tail, kept.length);
    return joined;
  });

/** `evt` messages carrying typed arrays (valid), and extension 1–12 payloads of any length. */
const binaryArb = fc.oneof(
  fc
    .tuple(fc.float64Array({ maxLength: 20 }), fc.int32Array({ maxLength: 20 }), fc.uint8Array({ maxLength: 40 }))
    .map(([f64, i32, u8]) => msgpackCodec.encode({ t: "evt", event: "echo", id: 1, data: { f64, i32, u8 } })),
  fc.tuple(fc.integer({ min: -1, max: 12 }), fc.uint8Array({ maxLength: 40 })).map(([type, payload]) => {
    // ext 8: 0xc7, length, type, payload.
    const out = new Uint8Array(3 + payload.length);
    out[0] = 0xc7;
    out[1] = payload.length;
    out[2] = type & 0xff;
    out.set(payload, 3);
    return out;
  }),
);

/** Nested single-element arrays (0x91) or maps (0x81 with a one-byte key), far past 64. */
const deepArb = fc.tuple(fc.integer({ min: 60, max: 2000 }), fc.boolean()).map(([depth, maps]) => {
  const unit = maps ? [0x81, 0xa1, 0x6b] : [0x91];
  const out = new Uint8Array(depth * unit.length + 1);
  for (let i = 0; i < depth; i++) out.set(unit, i * unit.length);
  out[out.length - 1] = 0xc0;
  return out;
});

/** One of `heads`, a 32-bit length claiming what the bytes after it may not hold, then a few bytes. */
function liar(heads: number[], restBytes: number): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(fc.constantFrom(...heads), fc.integer({ min: 0, max: 0xffffffff }), fc.uint8Array({ maxLength: restBytes }))
    .map(([head, length, rest]) => {
      const out = new Uint8Array(5 + rest.length);
      out[0] = head;
      new DataView(out.buffer).setUint32(1, length);
      out.set(rest, 5);
      return out;
    });
}

/** Headers claiming lengths the frame does not hold (str32, bin32, array32, map32, ext32). */
const liarArb = liar([0xdb, 0xc6, 0xdd, 0xdf, 0xc9], 16);

/** One binary frame for the MessagePack decoder target. */
export const msgpackFrameArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 8, arbitrary: encodedArb },
  { weight: 4, arbitrary: mutatedArb },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 200 }) },
  { weight: 2, arbitrary: binaryArb },
  { weight: 1, arbitrary: deepArb },
  { weight: 1, arbitrary: liarArb },
);

/**
 * A binary HTTP body (issue 19): frames of the decoder target behind valid `bin` headers, the
 * same cut or with bytes flipped, headers that claim more than the body holds, and raw bytes.
 */
const binaryBodyArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 6, arbitrary: fc.array(msgpackFrameArb, { minLength: 1, maxLength: 4 }).map(joinBinaryFrames) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.array(msgpackFrameArb, { minLength: 1, maxLength: 3 }).map(joinBinaryFrames), fc.nat(), fc.nat(255))
      .map(([body, at, byte]) => {
        const out = body.slice(0, Math.max(1, body.length - (at % 4)));
        out[at % out.length] = byte;
        return out;
      }),
  },
  // bin8/16/32 headers whose length says more or less than follows.
  { weight: 2, arbitrary: liar([0xc4, 0xc5, 0xc6], 40) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
);

/** HTTP inputs with binary bodies POSTed to a live transport (msgpack or JSON, see `HttpFuzzer`). */
const binaryHttpInputArb: fc.Arbitrary<HttpInput> = fc.record({
  method: fc.constant("POST"),
  target: fc.constantFrom("/dashwire/send?tid=$TID", "/dashwire/send?tid=nope"),
  headers: fc.constantFrom<[string, string][]>(
    [["content-type", BINARY_BODY_TYPE]],
    [["content-type", `${BINARY_BODY_TYPE}; x=1`]],
    [["content-type", "APPLICATION/VND.MSGPACK"]],
  ),
  body: binaryBodyArb,
});

/** Inputs of the HTTP target: the text ones and, one in four, a binary body. */
export const httpAnyInputArb: fc.Arbitrary<HttpInput> = fc.oneof(
  { weight: 3, arbitrary: httpInputArb },
  { weight: 1, arbitrary: binaryHttpInputArb },
);
