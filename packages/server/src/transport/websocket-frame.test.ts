import { describe, expect, it } from "vitest";
import { dataFrame } from "./websocket-transport.js";

/**
 * Reads one server frame as RFC 6455 §5.2 lays it out: FIN and opcode, no mask bit, the length
 * in 7 bits or in the 16- or 64-bit field after it. (The transport contract tests send the same
 * frames to the real client.)
 */
function parse(bytes: Buffer): string {
  expect(bytes[0]).toBe(0x81);
  const short = (bytes[1] as number) & 0x7f;
  expect((bytes[1] as number) & 0x80).toBe(0);
  let offset = 2;
  let length = short;
  if (short === 126) {
    length = bytes.readUInt16BE(2);
    offset = 4;
  } else if (short === 127) {
    length = Number(bytes.readBigUInt64BE(2));
    offset = 10;
  }
  expect(bytes.length).toBe(offset + length);
  return bytes.subarray(offset).toString("utf8");
}

describe("dataFrame", () => {
  it.each([0, 1, 125, 126, 65_535, 65_536, 70_001])("frames %i bytes with the right length header", (n) => {
    const text = "x".repeat(n);
    const bytes = dataFrame(text);
    expect(bytes.length - n).toBe(n < 126 ? 2 : n < 65_536 ? 4 : 10);
    expect(parse(bytes)).toBe(text);
  });

  it("counts UTF-8 bytes, not characters", () => {
    const text = "é€😀".repeat(40);
    const bytes = dataFrame(text);
    expect(bytes.length).toBe(4 + Buffer.byteLength(text));
    expect(parse(bytes)).toBe(text);
  });

  it("builds the frame once for the same string in a row", () => {
    const text = JSON.stringify({ t: "pub", n: 1 });
    expect(dataFrame(text)).toBe(dataFrame(text));
    expect(dataFrame(`${text} `)).not.toBe(dataFrame(text));
  });
});
