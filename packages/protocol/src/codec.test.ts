import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Codec, CodecError, type Frame, jsonCodec } from "./codec.js";
import { ErrorCode } from "./codes.js";
import { msgpackCodec } from "./msgpack-codec.js";

describe.each([
  { codec: jsonCodec as Codec, input: fc.string({ unit: "binary", maxLength: 200 }) as fc.Arbitrary<Frame> },
  { codec: msgpackCodec as Codec, input: fc.uint8Array({ maxLength: 200 }) as fc.Arbitrary<Frame> },
])("$codec.name decode of any input", ({ codec, input }) => {
  it("either returns message values or throws CodecError (code 1000)", () => {
    fc.assert(
      fc.property(input, (frame) => {
        try {
          expect(Array.isArray(codec.decode(frame))).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(CodecError);
          expect((err as CodecError).code).toBe(ErrorCode.BadFrame);
        }
      }),
      { numRuns: 5000 },
    );
  });
});

describe("jsonCodec.decode", () => {
  it("reads back any JSON value: a batch as its elements, anything else as one value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const value: unknown = JSON.parse(JSON.stringify(v)); // JSON has no -0
        const out = jsonCodec.decode(JSON.stringify(value));
        expect(out).toEqual(Array.isArray(value) ? value : [value]);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("jsonCodec.frame and encodePublication", () => {
  it("frames encoded parts into something decode splits back into the same messages", () => {
    fc.assert(
      fc.property(fc.array(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })), { minLength: 1 }), (msgs) => {
        const frame = jsonCodec.frame(msgs.map((m) => jsonCodec.encode(m)));
        expect(jsonCodec.decode(frame)).toEqual(JSON.parse(JSON.stringify(msgs)));
      }),
      { numRuns: 1000 },
    );
  });

  it("writes publications that parse to the structured message, whatever the topic and key", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary" }),
        fc.string(),
        fc.nat(),
        fc.option(fc.string({ unit: "binary" }), { nil: undefined }),
        fc.boolean(),
        fc.jsonValue(),
        (c, e, o, k, u, d) => {
          const head: Parameters<typeof jsonCodec.encodePublication>[0] = { c, e, o };
          if (k !== undefined) head.k = k;
          if (u) head.u = 1;
          const parsed = JSON.parse(jsonCodec.encodePublication(head, JSON.stringify(d)));
          expect(parsed).toEqual({ t: "msg", ...head, d: JSON.parse(JSON.stringify(d)) });
        },
      ),
      { numRuns: 2000 },
    );
  });
});
