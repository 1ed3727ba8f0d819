/** Collects a response body from its pieces (most responses come in one piece: no copy then). */
export class BodyCollector {
  private parts: Buffer[] = [];
  private size = 0;

  /** Adds a piece. The caller's buffer may be reused later: it is kept by reference only until `take`. */
  add(chunk: Buffer): void {
    this.parts.push(chunk);
    this.size += chunk.length;
  }

  /** The whole body; resets the collector. */
  take(): Buffer {
    const parts = this.parts;
    this.parts = [];
    const size = this.size;
    this.size = 0;
    if (parts.length === 1) return parts[0] as Buffer;
    return Buffer.concat(parts, size);
  }

  reset(): void {
    this.parts = [];
    this.size = 0;
  }
}

/** Hands each non-empty piece of `body` between `separator` bytes to `each`, without copying. */
export function forEachFrame(body: Buffer, separator: number, each: (frame: Buffer) => void): void {
  let start = 0;
  const end = body.length;
  while (start < end) {
    let stop = body.indexOf(separator, start);
    if (stop < 0) stop = end;
    if (stop > start) each(body.subarray(start, stop));
    start = stop + 1;
  }
}
