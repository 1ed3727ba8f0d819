import fc from "fast-check";
import snappy from "snappyjs";
import { describe, expect, it } from "vitest";
import { ApiError } from "../errors.js";
import { decodeRemoteWrite } from "./prom-remote-write.js";
import { isWellFormedSnappyBlock } from "./snappy-block.js";

describe("isWellFormedSnappyBlock", () => {
  it("refuses a literal whose 4-byte length snappyjs reads as negative (it looped for ever on it)", () => {
    // Declared length 10, then a literal with a 4-byte length of 0xfffffffa: snappyjs 0.7 reads
    // -6, steps back and reads the same tag again, for ever. Found by the soak, which hung in
    // prom-remote-write.test.ts's fuzzed bodies (a whole worker stalled by one request).
    const body = Buffer.from([10, 0xfc, 0xfa, 0xff, 0xff, 0xff]);
    expect(isWellFormedSnappyBlock(body)).toBe(false);
    expect(() => decodeRemoteWrite(body, 1 << 20)).toThrow(ApiError);
  });

  it("accepts what snappy compresses, and refuses it cut short or with a wrong length", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.nat(), (data, cut) => {
        const block = Buffer.from(snappy.compress(Buffer.from(data)));
        expect(isWellFormedSnappyBlock(block)).toBe(true);
        if (data.length > 0) {
          const shorter = block.subarray(0, 1 + (cut % (block.length - 1)));
          expect(isWellFormedSnappyBlock(shorter)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("whatever it accepts, snappyjs decompresses to the declared length", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const block = Buffer.from(bytes);
        if (isWellFormedSnappyBlock(block)) expect(() => snappy.uncompress(block, 1 << 20)).not.toThrow();
      }),
      { numRuns: 20_000 },
    );
  });
});
