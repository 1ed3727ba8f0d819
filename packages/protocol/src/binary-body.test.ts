import { decodeMulti } from "@msgpack/msgpack";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BinaryBodyError, bodyEmpty, joinBinaryFrames, splitBinaryFrames } from "./binary-body.js";
import { CloseCode, ErrorCode } from "./codes.js";

const bytes = (n: number, fill = 7) => new Uint8Array(n).fill(fill);

function failure(body: number[] | Uint8Array, max = 1 << 20): BinaryBodyError {
  try {
    splitBinaryFrames(body instanceof Uint8Array ? body : new Uint8Array(body), max);
  } catch (error) {
    if (error instanceof BinaryBodyError) return error;
    throw error;
  }
  throw new Error("split did not fail");
}

describe("binary bodies", () => {
  it("round-trips frames of every header size, empty ones included", () => {
    const frames = [bytes(0), bytes(1, 1), bytes(255, 2), bytes(256, 3), bytes(65_535, 4), bytes(65_536, 5)];
    const body = joinBinaryFrames(frames);
    expect(body.byteLength).toBe(2 + 0 + 2 + 1 + 2 + 255 + 3 + 256 + 3 + 65_535 + 5 + 65_536);
    expect(splitBinaryFrames(body, 1 << 20)).toEqual(frames);
  });

  it("is a MessagePack stream of bin values any msgpack library reads", () => {
    const frames = [bytes(3, 9), bytes(300, 8)];
    expect([...decodeMulti(joinBinaryFrames(frames))]).toEqual(frames);
  });

  it("splits a body that is a view into a larger buffer", () => {
    const body = joinBinaryFrames([bytes(4, 1), bytes(2, 2)]);
    const padded = new Uint8Array(body.byteLength + 6);
    padded.set(body, 3);
    expect(splitBinaryFrames(padded.subarray(3, 3 + body.byteLength), 10)).toEqual([bytes(4, 1), bytes(2, 2)]);
  });

  it("refuses anything but bin headers, cut headers and cut frames with BadFrame", () => {
    expect(failure([0x92, 1, 2]).code).toBe(ErrorCode.BadFrame); // a msgpack array, not a bin
    expect(failure([0xc5, 0x01]).message).toMatch(/length cut short/); // bin16 with one length byte
    expect(failure([0xc6, 0, 0, 0]).code).toBe(ErrorCode.BadFrame); // bin32 with three
    expect(failure([0xc4, 5, 1, 2]).message).toMatch(/frame cut short/);
    expect(failure([0xc4, 1, 1, 0xc4]).code).toBe(ErrorCode.BadFrame); // a second frame cut
  });

  it("refuses a frame over the limit with MessageTooBig, before reading it", () => {
    const oversize = failure([0xc6, 0xff, 0xff, 0xff, 0xff], 1024);
    expect(oversize.code).toBe(CloseCode.MessageTooBig);
    expect(failure(joinBinaryFrames([bytes(11)]), 10).code).toBe(CloseCode.MessageTooBig);
    expect(splitBinaryFrames(joinBinaryFrames([bytes(10)]), 10)).toHaveLength(1);
  });

  it("tells empty bodies of either kind", () => {
    expect([
      bodyEmpty(""),
      bodyEmpty(new Uint8Array(0)),
      bodyEmpty("x"),
      bodyEmpty(joinBinaryFrames([bytes(0)])),
    ]).toEqual([true, true, false, false]);
  });
});

describe("binary bodies, fuzzed", () => {
  it("any bytes split into frames or fail with a coded BinaryBodyError, never anything else", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 0, max: 40 }), (body, max) => {
        try {
          const frames = splitBinaryFrames(body, max);
          expect(frames.every((f) => f.byteLength <= max)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(BinaryBodyError);
          expect([ErrorCode.BadFrame, CloseCode.MessageTooBig]).toContain((error as BinaryBodyError).code);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it("join then split gives the frames back", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), (frames) => {
        expect(splitBinaryFrames(joinBinaryFrames(frames), 300)).toEqual(frames);
      }),
      { numRuns: 500 },
    );
  });
});
