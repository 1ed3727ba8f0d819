/**
 * A check of a Snappy block (the format of Prometheus remote write bodies) before snappyjs
 * decompresses it. snappyjs 0.7 reads a literal's 4-byte length as a signed number, so a crafted
 * length makes its read position go backwards and `uncompress` loops for ever: one request would
 * stall a whole worker. This walks the elements the way the format defines them
 * (https://github.com/google/snappy/blob/main/format_description.txt), lengths unsigned, and says
 * whether every one stays inside the input and the declared output, so only a well-formed block
 * reaches the decompressor. Linear in the input; copies nothing.
 */
export function isWellFormedSnappyBlock(block: Uint8Array): boolean {
  return checkSnappyBlock(block, Number.POSITIVE_INFINITY) === "ok";
}

/**
 * The check of `isWellFormedSnappyBlock`, and "too big" (before walking anything) when the block
 * declares more than `maxBytes` once decompressed.
 */
export function checkSnappyBlock(block: Uint8Array, maxBytes: number): "ok" | "too big" | "malformed" {
  let pos = 0;
  let declared = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= block.length || shift > 28) return "malformed";
    const c = block[pos++] as number;
    declared += (c & 0x7f) * 2 ** shift;
    if (c < 0x80) break;
  }
  if (declared > maxBytes) return "too big";
  let out = 0;
  while (pos < block.length) {
    const tag = block[pos++] as number;
    const kind = tag & 3;
    let len: number;
    if (kind === 0) {
      len = (tag >>> 2) + 1;
      if (len > 60) {
        const bytes = len - 60;
        if (pos + bytes > block.length) return "malformed";
        len = 0;
        for (let i = bytes - 1; i >= 0; i--) len = len * 256 + (block[pos + i] as number);
        len += 1;
        pos += bytes;
      }
      if (pos + len > block.length) return "malformed";
      pos += len;
    } else {
      let offset: number;
      if (kind === 1) {
        if (pos + 1 > block.length) return "malformed";
        len = ((tag >>> 2) & 7) + 4;
        offset = ((tag >>> 5) << 8) + (block[pos] as number);
        pos += 1;
      } else if (kind === 2) {
        if (pos + 2 > block.length) return "malformed";
        len = (tag >>> 2) + 1;
        offset = (block[pos] as number) + (block[pos + 1] as number) * 256;
        pos += 2;
      } else {
        if (pos + 4 > block.length) return "malformed";
        len = (tag >>> 2) + 1;
        offset = 0;
        for (let i = 3; i >= 0; i--) offset = offset * 256 + (block[pos + i] as number);
        pos += 4;
      }
      if (offset === 0 || offset > out) return "malformed";
    }
    out += len;
    if (out > declared) return "malformed";
  }
  return out === declared ? "ok" : "malformed";
}
