/**
 * Text bounded in bytes. Fields with a byte limit (a WebSocket close reason, an error message)
 * must be cut by UTF-8 bytes, not by UTF-16 characters: 123 characters of `é` are 246 bytes,
 * and a close reason past 123 bytes makes `ws.close` throw (a remote crash found in review,
 * issue 12). Cuts fall on a character boundary: never half a multi-byte sequence, never half a
 * surrogate pair.
 */

/** Longest close reason, bytes (RFC 6455 §5.5: a control frame carries 125 bytes, 2 are the code). */
export const MAX_CLOSE_REASON_BYTES = 123;

/** Longest error message put in `err`, `ack.error` or an HTTP error body, bytes. */
export const MAX_ERROR_MESSAGE_BYTES = 1024;

/**
 * UTF-8 length of `text` as `TextEncoder` and Node's `Buffer` encode it: a lone surrogate
 * becomes U+FFFD, 3 bytes.
 */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const n = charBytes(text, i);
    bytes += n;
    if (n === 4) i++;
  }
  return bytes;
}

/** `text` cut to at most `maxBytes` UTF-8 bytes on a character boundary (unchanged when it fits). */
export function truncateUtf8(text: string, maxBytes: number): string {
  // Fast path: no UTF-16 unit encodes to more than 3 bytes.
  if (text.length * 3 <= maxBytes) return text;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const n = charBytes(text, i);
    if (bytes + n > maxBytes) return text.slice(0, i);
    bytes += n;
    if (n === 4) i++;
  }
  return text;
}

/** Bytes of the character starting at `i`: 4 for a surrogate pair (two units), else 1–3. */
function charBytes(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 0x80) return 1;
  if (c < 0x800) return 2;
  if (c >= 0xd800 && c <= 0xdbff) {
    const next = text.charCodeAt(i + 1);
    if (next >= 0xdc00 && next <= 0xdfff) return 4;
  }
  return 3;
}
