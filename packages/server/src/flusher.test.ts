import { jsonCodec } from "@dashwire/protocol";
import { describe, expect, it } from "vitest";
import { Flusher } from "./flusher.js";

describe("Flusher.frame", () => {
  it("reuses the frame of identical part lists and builds a new one otherwise", () => {
    const flusher = new Flusher();
    const a = '{"t":"msg","o":1}';
    const b = '{"t":"msg","o":2}';
    const first = flusher.frame([a, b], jsonCodec);
    expect(first).toBe(`[${a},${b}]`);
    expect(flusher.frame([a, b], jsonCodec)).toBe(first);
    expect(flusher.frame([b, a], jsonCodec)).toBe(`[${b},${a}]`);
    expect(flusher.frame([a], jsonCodec)).toBe(a);
    expect(flusher.frame([a, b, a], jsonCodec)).toBe(`[${a},${b},${a}]`);
  });
});

describe("Flusher.schedule", () => {
  it("hands a throwing flush to its item and flushes the others of the turn", async () => {
    const flusher = new Flusher();
    const flushed: string[] = [];
    const failed: unknown[] = [];
    const item = (name: string, broken = false) => ({
      flush() {
        if (broken) throw new Error(`${name} bug`);
        flushed.push(name);
      },
      fail(err: unknown) {
        failed.push(err);
      },
    });
    for (const i of [item("a"), item("b", true), item("c")]) flusher.schedule(i);
    await new Promise((r) => setImmediate(r));
    expect(flushed).toEqual(["a", "c"]);
    expect(failed).toHaveLength(1);
  });
});
