import { jsonCodec } from "@dashwire/protocol";
import { describe, expect, it } from "vitest";
import { Flusher } from "./flusher.js";

describe("Flusher.frame", () => {
  it("reuses the frame of identical part lists and builds a new one otherwise", () => {
    const flusher = new Flusher(jsonCodec);
    const a = '{"t":"msg","o":1}';
    const b = '{"t":"msg","o":2}';
    const first = flusher.frame([a, b]);
    expect(first).toBe(`[${a},${b}]`);
    expect(flusher.frame([a, b])).toBe(first);
    expect(flusher.frame([b, a])).toBe(`[${b},${a}]`);
    expect(flusher.frame([a])).toBe(a);
    expect(flusher.frame([a, b, a])).toBe(`[${a},${b},${a}]`);
  });
});
