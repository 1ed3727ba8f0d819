/**
 * Bench tags: every published payload carries one string `"#<sender>.<seq>.<scheduledUs>"`
 * (in MessagePack frames: a fixstr, found the same way by its header byte).
 * A string survives every target unchanged (JSON re-encoding in Python adds spaces around
 * keys, never inside a string), so the receiver finds it with a native byte search and reads
 * three integers, without decoding the frame to a string or parsing JSON. This is what keeps
 * the load generator cheaper than the servers it measures.
 */

/** The two bytes that open a tag inside a JSON frame: a quote and a hash. */
export const TAG_OPEN = Buffer.from('"#');

// Searching for one byte is memchr (~15 ns per tag); a two-byte Buffer needle takes the generic
// path and cost 13× more, a quarter of the generator's CPU at 1M deliveries/s.
const HASH = 0x23;
const DOT = 0x2e;
const QUOTE = 0x22;
const ZERO = 0x30;
const NINE = 0x39;

/** Receives the tags found in a frame; one monomorphic call per message, no allocation. */
export interface TagSink {
  /** A message from `sender` with sequence `seq`, scheduled at `scheduledUs`, arrived at `nowUs`. */
  record(receiver: number, sender: number, seq: number, scheduledUs: number, nowUs: number): void;
}

/** Formats the tag (without quotes) for a payload: `#sender.seq.scheduledUs`. */
export function formatTag(sender: number, seq: number, scheduledUs: number): string {
  return `#${sender}.${seq}.${scheduledUs}`;
}

/** Wall-clock time in integer microseconds, comparable across processes on one machine. */
export function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** 1 when the frame holds a tag, else 0 (for clients that do not count deliveries). */
export function hasTag(frame: Buffer): number {
  return frame.indexOf(TAG_OPEN) === -1 ? 0 : 1;
}

/**
 * Finds every tag in `frame` and hands it to `sink`. Returns how many were found; a malformed
 * tag (cut short, not digits) is skipped.
 */
export function scanTags(frame: Buffer, sink: TagSink, receiver: number, nowUs: number): number {
  let found = 0;
  let i = frame.indexOf(HASH, 1);
  const end = frame.length;
  while (i !== -1) {
    // JSON: the tag opens with a quote. MessagePack (issue 19): with a fixstr header (0xa0 | its
    // length, tags are under 32 bytes), and it must end exactly there.
    const before = frame[i - 1] as number;
    const packed = before >= 0xa0 && before <= 0xbf;
    if (before !== QUOTE && !packed) {
      i = frame.indexOf(HASH, i + 1);
      continue;
    }
    let j = i + 1;
    let sender = 0;
    let seq = 0;
    let scheduled = 0;
    let c = 0;
    let digits = 0;
    // Three integers separated by dots, closed by a quote. Doubles hold integers up to 2^53:
    // microseconds since 1970 are ~1.8e15, well inside.
    while (j < end && (c = frame[j] as number) >= ZERO && c <= NINE) {
      sender = sender * 10 + (c - ZERO);
      j++;
      digits++;
    }
    if (c === DOT && digits > 0) {
      j++;
      digits = 0;
      while (j < end && (c = frame[j] as number) >= ZERO && c <= NINE) {
        seq = seq * 10 + (c - ZERO);
        j++;
        digits++;
      }
      if (c === DOT && digits > 0) {
        j++;
        digits = 0;
        while (j < end && (c = frame[j] as number) >= ZERO && c <= NINE) {
          scheduled = scheduled * 10 + (c - ZERO);
          j++;
          digits++;
        }
        const closed = packed ? j - i === (before & 0x1f) : c === QUOTE;
        if (closed && digits > 0) {
          sink.record(receiver, sender, seq, scheduled, nowUs);
          found++;
        }
      }
    }
    i = frame.indexOf(HASH, j);
  }
  return found;
}
