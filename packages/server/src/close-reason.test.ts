import { describe, expect, it } from "vitest";
import { truncateUtf8 } from "./close-reason.js";

describe("truncateUtf8", () => {
  it("cuts to the byte limit, never inside a character", () => {
    expect(truncateUtf8("short", 123)).toBe("short");
    // 122 + 2 + 3 bytes: the cut at 123 falls inside "é"; the old transport cut gave 125 bytes.
    const text = `${"a".repeat(122)}é€`;
    expect(truncateUtf8(text, 123)).toBe("a".repeat(122));
    for (let n = 0; n < 12; n++) {
      const cut = truncateUtf8("€😀é".repeat(4), n);
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(n);
      expect(cut).not.toContain("\uFFFD");
    }
  });
});
