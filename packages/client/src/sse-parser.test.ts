import { describe, expect, it } from "vitest";
import { SseParser } from "./sse-parser.js";

function parse(chunks: (string | Uint8Array)[]): [string, string][] {
  const out: [string, string][] = [];
  const p = new SseParser((e, d) => out.push([e, d]));
  const enc = new TextEncoder();
  for (const c of chunks) p.push(typeof c === "string" ? enc.encode(c) : c);
  return out;
}

describe("SseParser", () => {
  it("reads named and default events, skips comments and padding, joins data lines", () => {
    expect(
      parse([`:${" ".repeat(2048)}\n\nevent: tid\ndata: abc\n\ndata: {"t":"ping"}\n\n`, "data: a\ndata: b\n\n"]),
    ).toEqual([
      ["tid", "abc"],
      ["message", '{"t":"ping"}'],
      ["message", "a\nb"],
    ]);
  });

  it("handles events split anywhere, including inside UTF-8 sequences and CRLF", () => {
    const whole = new TextEncoder().encode('data: {"x":"é€😀"}\r\n\r\ndata:nospace\r\rdata: z\n\n');
    const want = [
      ["message", '{"x":"é€😀"}'],
      ["message", "nospace"],
      ["message", "z"],
    ];
    for (let cut = 1; cut < whole.length; cut++)
      expect(parse([whole.subarray(0, cut), whole.subarray(cut)]), `cut at ${cut}`).toEqual(want);
    // One byte at a time.
    expect(parse(Array.from(whole, (b) => new Uint8Array([b])))).toEqual(want);
  });

  it("ignores id, retry, unknown fields and events without data", () => {
    expect(parse(["id: 7\nretry: 10\nfoo: bar\n\nevent: x\n\ndata\n\n"])).toEqual([["message", ""]]);
  });
});
