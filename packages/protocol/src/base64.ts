/**
 * Base64 (RFC 4648 §4) with what browsers and Node both have (`btoa`/`atob`): binary values
 * tagged in JSON text (`dataJson`) and binary frames on the SSE transport (issue 19).
 */

/** Base64 text of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  let text = "";
  // Chunks keep `fromCharCode`'s argument list far below engines' limits.
  for (let i = 0; i < bytes.length; i += 0x8000)
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000) as unknown as number[]);
  return btoa(text);
}

/** The bytes of base64 `text`; throws (a `DOMException`) when it is not base64. */
export function fromBase64(text: string): Uint8Array {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}
