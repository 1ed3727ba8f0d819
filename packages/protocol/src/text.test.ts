import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_CLOSE_REASON_BYTES, truncateUtf8, utf8Length } from "./text.js";

const bytes = (s: string) => Buffer.byteLength(s, "utf8");

describe("utf8Length", () => {
  it.each([
    ["", 0],
    ["abc", 3],
    ["é", 2],
    ["€", 3],
    ["😀", 4],
    ["\ud800", 3],
    ["\udc00x", 4],
    ["a\ud83d", 4],
  ])("%j is %i bytes, as Buffer encodes it", (text, n) => {
    expect(utf8Length(text)).toBe(n);
    expect(bytes(text)).toBe(n);
  });

  it("agrees with Buffer.byteLength on any string", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 80 }), (s) => utf8Length(s) === bytes(s)));
  });
});

describe("truncateUtf8", () => {
  it("cuts by bytes, not characters: 62 two-byte characters fit 123 bytes as 61", () => {
    const cut = truncateUtf8("é".repeat(62), MAX_CLOSE_REASON_BYTES);
    expect(cut).toBe("é".repeat(61));
    expect(bytes(cut)).toBe(122);
  });

  it("never leaves a replacement character where it cut (from the server's first close-reason fix)", () => {
    // 122 + 2 + 3 bytes: the cut at 123 falls inside "é"; cutting the bytes gave 125.
    expect(truncateUtf8(`${"a".repeat(122)}é€`, 123)).toBe("a".repeat(122));
    for (let n = 0; n < 12; n++) {
      const cut = truncateUtf8("€😀é".repeat(4), n);
      expect(bytes(cut)).toBeLessThanOrEqual(n);
      expect(cut).not.toContain("\uFFFD");
    }
  });

  it("never splits a surrogate pair", () => {
    expect(truncateUtf8("ab😀", 5)).toBe("ab");
    expect(truncateUtf8("ab😀", 6)).toBe("ab😀");
  });

  it("returns the text itself when it fits", () => {
    const s = "x".repeat(123);
    expect(truncateUtf8(s, 123)).toBe(s);
    expect(truncateUtf8("", 0)).toBe("");
  });

  it("yields the longest prefix within the limit, ending on a character boundary", () => {
    const text = fc.string({ unit: "binary", maxLength: 200 });
    fc.assert(
      fc.property(text, fc.nat({ max: 300 }), (s, max) => {
        const cut = truncateUtf8(s, max);
        expect(s.startsWith(cut)).toBe(true);
        expect(bytes(cut)).toBeLessThanOrEqual(max);
        // Nothing more would fit: the next character (one or two units) passes the limit.
        if (cut.length < s.length) {
          const code = s.charCodeAt(cut.length);
          const pair = code >= 0xd800 && code <= 0xdbff && (s.charCodeAt(cut.length + 1) & 0xfc00) === 0xdc00;
          expect(bytes(s.slice(0, cut.length + (pair ? 2 : 1)))).toBeGreaterThan(max);
        }
        // Encoding the cut never grows it (no half character turned into U+FFFD).
        expect(bytes(Buffer.from(cut).toString())).toBe(bytes(cut));
      }),
    );
  });
});
