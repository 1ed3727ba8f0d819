import type { Codec, Frame } from "@dashwire/protocol";

/** Something with queued output to write once per event-loop turn. */
export interface Flushable {
  flush(): void;
  /** `flush` threw: the item handles it (a session closes its connection); the others go on. */
  fail(err: unknown): void;
}

/**
 * Collects the sessions that got output during this event-loop turn and flushes each once, in a
 * single `setImmediate` for all of them: everything due to one connection within a turn leaves in
 * one frame and one write (decision 2). Light load: sent at the end of the turn; heavy load:
 * bigger batches, fewer writes.
 */
export class Flusher {
  private pending: Flushable[] = [];
  private spare: Flushable[] = [];
  private scheduled = false;
  private lastParts: Frame[] = [];
  private lastFrame: Frame = "";

  /**
   * The frame of `parts` in `codec`, built once for consecutive sessions whose parts are the
   * same strings or byte arrays (everyone in one room gets the same publications in a turn):
   * identity checks instead of a join per session, and the same frame lets the transport reuse
   * the encoded bytes. Parts of different codecs are never the same objects.
   */
  frame(parts: readonly Frame[], codec: Pick<Codec, "frame">): Frame {
    const last = this.lastParts;
    if (parts.length === last.length && parts.length > 1) {
      let same = true;
      for (let i = 0; i < parts.length; i++)
        if (parts[i] !== last[i]) {
          same = false;
          break;
        }
      if (same) return this.lastFrame;
    }
    const frame = codec.frame(parts);
    if (parts.length > 1) {
      this.lastParts = parts.slice();
      this.lastFrame = frame;
    }
    return frame;
  }

  /** Queues `item` for the end of this turn. The caller makes sure it is queued at most once. */
  schedule(item: Flushable): void {
    this.pending.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  }

  private readonly run = (): void => {
    this.scheduled = false;
    const list = this.pending;
    // Swap buffers: sessions scheduled while flushing go to the next turn.
    this.pending = this.spare;
    for (let i = 0; i < list.length; i++) {
      const item = list[i] as Flushable;
      try {
        item.flush();
      } catch (err) {
        item.fail(err);
      }
    }
    list.length = 0;
    this.spare = list;
    // Do not keep the turn's last frame alive until the next busy turn.
    this.lastParts = [];
    this.lastFrame = "";
  };
}
