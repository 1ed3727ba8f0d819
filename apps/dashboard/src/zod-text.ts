/**
 * Strings from outside bounded in UTF-8 bytes, not in characters: what the database and the
 * wire limit is bytes, and 200 characters of emoji are 800 bytes.
 */
import { z } from "zod";

/** A string of at least `min` characters and at most `maxBytes` bytes of UTF-8. */
export function boundedText(maxBytes: number, min = 0) {
  return z
    .string()
    .min(min)
    .refine((s) => s.length <= maxBytes && Buffer.byteLength(s, "utf8") <= maxBytes, {
      message: `must be at most ${maxBytes} bytes (UTF-8)`,
    });
}
