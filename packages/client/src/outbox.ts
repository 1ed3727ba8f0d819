import { type Codec, type Frame, utf8Length } from "@dashwire/protocol";

/** Frame size assumed until the server's `connected.limits.maxFrameBytes` arrives. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024;

/**
 * Most messages in one batch frame. The protocol caps messages per frame (`TooManyMessages`)
 * without announcing the number in `limits`; 100 stays well under any sane server setting.
 */
export const MAX_BATCH_MESSAGES = 100;

/**
 * Collects encoded messages and writes them as one frame per microtask (design decision 2:
 * messages due within one event-loop turn leave in one frame), splitting when a frame would pass
 * the server's byte limit or `MAX_BATCH_MESSAGES`. While the transport is busy (`write` returned
 * false: an HTTP POST in flight) messages keep collecting and leave together on `drain`, so an
 * HTTP transport sends one POST at a time with everything that queued behind it.
 */
export class Outbox {
  /** Byte limit of one frame; updated from the server's limits. */
  maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
  private parts: Frame[] = [];
  // Bytes of the pending batch: "[" + parts joined by "," + "]" ≤ 1 + Σ(size + 1).
  private bytes = 1;
  private scheduled = false;
  private blocked = false;
  private readonly flushTask = (): void => {
    this.scheduled = false;
    if (!this.blocked) this.flush();
  };

  constructor(
    private readonly codec: Codec,
    /** Writes one frame; false when the transport is busy until `drain`. */
    private readonly write: (frame: Frame) => unknown,
  ) {}

  /** Number of messages waiting for the next flush. */
  get size(): number {
    return this.parts.length;
  }

  /** True while the transport is busy and messages wait for `drain`. */
  get waiting(): boolean {
    return this.blocked;
  }

  /** Queues one encoded message; false (and nothing queued) when it alone exceeds the frame limit. */
  push(part: Frame): boolean {
    const size = typeof part === "string" ? utf8Length(part) : part.byteLength;
    if (size > this.maxFrameBytes) return false;
    if (this.parts.length >= MAX_BATCH_MESSAGES || this.bytes + size + 1 > this.maxFrameBytes) this.flush();
    this.parts.push(part);
    this.bytes += size + 1;
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flushTask);
    }
    return true;
  }

  /** Writes what is queued now, as one frame (even while busy: the transport queues it in order). */
  flush(): void {
    if (this.parts.length === 0) return;
    const frame = this.codec.frame(this.parts);
    this.parts = [];
    this.bytes = 1;
    this.blocked = this.write(frame) === false;
  }

  /** The transport can take frames again: writes what collected meanwhile. */
  drain(): void {
    this.blocked = false;
    this.flush();
  }

  /** Drops what is queued (the transport is gone); the next transport starts unblocked. */
  clear(): void {
    this.parts = [];
    this.bytes = 1;
    this.blocked = false;
  }
}
