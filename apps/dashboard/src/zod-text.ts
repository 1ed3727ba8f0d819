/**
 * Strings from outside bounded in UTF-8 bytes, not in characters: what the database and the
 * wire limit is bytes, and 200 characters of emoji are 800 bytes.
 */
import { z } from "zod";

/**
 * Why `s` cannot be stored as sent, or undefined: a NUL character (PostgreSQL's `text` refuses
 * it: the request failed with a 500) or a lone surrogate (UTF-8 has no encoding for it: either
 * database gave back U+FFFD, a value other than the one acknowledged).
 */
export function unstorable(s: string): string | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return "must not contain NUL characters";
    if (c >= 0xd800 && c <= 0xdfff) {
      if (c > 0xdbff || (s.charCodeAt(i + 1) & 0xfc00) !== 0xdc00) return "must be valid Unicode (lone surrogate)";
      i++;
    }
  }
  return undefined;
}

/** A string of at least `min` characters and at most `maxBytes` bytes of UTF-8, storable as sent (`unstorable`). */
export function boundedText(maxBytes: number, min = 0) {
  return z
    .string()
    .min(min)
    .refine((s) => s.length <= maxBytes && Buffer.byteLength(s, "utf8") <= maxBytes, {
      message: `must be at most ${maxBytes} bytes (UTF-8)`,
    })
    .superRefine((s, ctx) => {
      const why = unstorable(s);
      if (why !== undefined) ctx.addIssue({ code: "custom", message: why });
    });
}
