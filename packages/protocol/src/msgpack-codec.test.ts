import { encode } from "@msgpack/msgpack";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CodecError, jsonCodec } from "./codec.js";
import { dataJson } from "./data-json.js";
import { msgpackCodec } from "./msgpack-codec.js";

describe("msgpackCodec", () => {
  it("reads back what it encodes; a framed batch as its elements", () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { minLength: 1, maxLength: 20 }), (values) => {
        const messages = values.map((v) => ({ t: "evt", d: JSON.parse(JSON.stringify(v)) as unknown }));
        const frame = msgpackCodec.frame(messages.map((m) => msgpackCodec.encode(m)));
        expect(msgpackCodec.decode(frame)).toEqual(messages);
      }),
      { numRuns: 500 },
    );
  });

  it("carries a __proto__ key as data, like JSON, without touching any prototype", () => {
    // The fuzzed round trip above found it: @msgpack/msgpack refuses the key in a map, so a JSON
    // client's publication of it was unreadable for every msgpack subscriber.
    const text = '{"__proto__":{"polluted":1},"a":[{"__proto__":2,"b":3}]}';
    const d = JSON.parse(text) as Record<string, unknown>;
    const [back] = msgpackCodec.decode(msgpackCodec.encode({ t: "evt", d })) as [{ d: Record<string, unknown> }];
    expect(back.d).toEqual(d);
    expect(Object.hasOwn(back.d, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(back.d)).toBe(Object.prototype);
    expect(JSON.stringify(back.d)).toBe(text);
    const [pub] = msgpackCodec.decode(msgpackCodec.encodePublication({ c: "feed", e: "e", o: 1 }, text)) as [
      { d: unknown },
    ];
    expect(JSON.stringify(pub.d)).toBe(text);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("frames batches past the fixarray and array16 headers", () => {
    for (const n of [15, 16, 65_535, 65_536]) {
      const parts = Array.from({ length: n }, (_, i) => msgpackCodec.encode({ t: "pong", i }));
      const out = msgpackCodec.decode(msgpackCodec.frame(parts));
      expect(out.length).toBe(n);
      expect(out[n - 1]).toEqual({ t: "pong", i: n - 1 });
    }
  });

  it("carries Uint8Array as msgpack bin and typed arrays as extensions, equal after decoding", () => {
    const d = {
      bytes: new Uint8Array([0, 1, 255]),
      f64: new Float64Array([1.5, -0, Number.NaN, 1e308]),
      f32: new Float32Array([0.25]),
      i32: new Int32Array([-1, 2 ** 31 - 1]),
      u16: new Uint16Array([65_535]),
      i64: new BigInt64Array([-(2n ** 63n)]),
    };
    const frame = msgpackCodec.encode({ t: "evt", d });
    const [back] = msgpackCodec.decode(frame) as [{ d: typeof d }];
    expect(back.d.f64).toBeInstanceOf(Float64Array);
    expect(back.d).toEqual(d);
    // No base64: the Float64Array's 32 bytes are in the frame as they are in memory.
    const raw = new Uint8Array(d.f64.buffer);
    expect(Buffer.from(frame).includes(Buffer.from(raw))).toBe(true);
    expect(frame.byteLength).toBeLessThan(57 + 60); // 57 payload bytes; base64 alone would be 76
  });

  it("encodes a publication whose JSON data holds tagged binary as real typed arrays", () => {
    const f64 = new Float64Array([3.25, 4.5]);
    const data = dataJson.stringify({ series: f64, name: "cpu" }, true);
    const part = msgpackCodec.encodePublication({ c: "t", e: "ep", o: 7, k: "k1", u: 1 }, data);
    const [msg] = msgpackCodec.decode(part) as [Record<string, unknown>];
    expect(msg).toEqual({ t: "msg", c: "t", e: "ep", o: 7, k: "k1", u: 1, d: { series: f64, name: "cpu" } });
    // The JSON codec's part for the same publication keeps the tag (JSON has no binary).
    const text = jsonCodec.encodePublication({ c: "t", e: "ep", o: 7 }, data);
    expect(text).toContain('"$bin":"f64"');
  });

  it("decodes typed arrays from a Node Buffer frame inside a larger pool (ws hands frames so)", () => {
    const f64 = new Float64Array([2.5, -7]);
    const frame = msgpackCodec.encode({ t: "evt", d: f64 });
    const pool = Buffer.alloc(frame.byteLength + 13, 0xee);
    pool.set(frame, 5);
    const [back] = msgpackCodec.decode(pool.subarray(5, 5 + frame.byteLength)) as [{ d: Float64Array }];
    expect(back.d).toEqual(f64);
  });

  it("refuses frames nested deeper than the JSON codec allows", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = [deep];
    const bytes = encode(deep, { maxDepth: 200 });
    expect(() => msgpackCodec.decode(bytes)).toThrow(CodecError);
    let ok: unknown = 1;
    for (let i = 0; i < 60; i++) ok = [ok];
    expect(() => msgpackCodec.decode(encode({ t: "evt", d: ok }))).not.toThrow();
  });

  it("refuses text frames, trailing bytes and a typed-array extension of a partial element", () => {
    expect(() => msgpackCodec.decode('{"t":"pong"}')).toThrow(CodecError);
    const one = msgpackCodec.encode({ t: "pong" });
    expect(() => msgpackCodec.decode(new Uint8Array([...one, 0xc0]))).toThrow(CodecError);
    // fixext 4 (0xd6) of type 8 (Float64Array) with 4 bytes: not a whole element.
    expect(() => msgpackCodec.decode(new Uint8Array([0xd6, 8, 1, 2, 3, 4]))).toThrow(CodecError);
  });
});

describe("dataJson", () => {
  it("round-trips typed arrays and Buffers through JSON text, and leaves malformed tags alone", () => {
    const value = { a: new Float32Array([1.5]), b: Buffer.from([1, 2]), c: [new Uint8Array(0)] };
    const back = dataJson.parse(dataJson.stringify(value, true)) as Record<string, unknown>;
    expect(back.a).toEqual(new Float32Array([1.5]));
    expect(back.b).toEqual(new Uint8Array([1, 2]));
    expect(back.c).toEqual([new Uint8Array(0)]);
    expect(dataJson.parse('{"$bin":"f64","b64":"AAA="}')).toEqual({ $bin: "f64", b64: "AAA=" });
    expect(dataJson.parse('{"$bin":"nope","b64":""}')).toEqual({ $bin: "nope", b64: "" });
    // Without `binary`, stringify is plain JSON.stringify.
    expect(dataJson.stringify({ x: 1 }, false)).toBe('{"x":1}');
  });
});
