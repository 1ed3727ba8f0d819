import { HttpLink } from "./http-link.js";
import type { LinkSink, LinkTarget } from "./link.js";

const EVENT_END = Buffer.from("\n\n");
const DATA = Buffer.from("data: ");
const EVENT_TID = Buffer.from("event: tid\n");
const COLON = 0x3a;

/** Joins dashwire frames (messages or arrays of them) into one JSON array frame. */
export function joinDashwireFrames(frames: string[]): string {
  return `[${frames.map((f) => (f.charCodeAt(0) === 0x5b ? f.slice(1, -1) : f)).join(",")}]`;
}

/**
 * dashwire's SSE transport as a browser uses it: `GET {path}/sse` streams one `data:` event per
 * frame after a first `tid` event naming the transport; frames go up by `POST {path}/send?tid=`
 * (one in flight at a time, see `PostQueue`). `pause()` stops reading the stream's socket.
 */
export class SseLink extends HttpLink {
  readonly transport = "sse";
  private tid = "";
  private pending: Buffer | undefined;

  constructor(target: LinkTarget, sink: LinkSink) {
    super(target, sink);
    this.wire.request("GET", `${this.basePath}/sse`, undefined, this);
  }

  protected sendPath(): string {
    return `${this.basePath}/send?tid=${this.tid}`;
  }

  protected joinFrames(frames: string[]): string {
    return joinDashwireFrames(frames);
  }

  pause(): void {
    this.wire.pause();
  }

  resume(): void {
    this.wire.resume();
  }

  onHead(status: number): void {
    this.status = status;
    if (status !== 200) this.refuse(new Error(`SSE answered ${status}`));
  }

  onData(chunk: Buffer): void {
    if (this.status !== 200) return;
    let buf = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = undefined;
    let start = 0;
    for (;;) {
      const end = buf.indexOf(EVENT_END, start);
      if (end < 0) break;
      if (end > start) this.event(buf.subarray(start, end));
      start = end + 2;
      if (this.closed) return;
    }
    if (start < buf.length) {
      buf = buf.subarray(start);
      // Keep a copy: the chunk's memory may belong to a pooled buffer.
      this.pending = Buffer.from(buf);
    }
  }

  onEnd(): void {
    this.lost("stream ended");
  }

  onError(error: Error): void {
    if (!this.open) this.refuse(error);
    this.lost(error.message);
  }

  private event(block: Buffer): void {
    if (block[0] === COLON) return; // comment: padding for proxies
    if (block.indexOf(DATA) === 0) {
      this.sink.onFrame(block.subarray(DATA.length));
      return;
    }
    if (block.indexOf(EVENT_TID) === 0) {
      const data = block.subarray(EVENT_TID.length);
      if (data.indexOf(DATA) === 0) {
        this.tid = data.subarray(DATA.length).toString("latin1");
        this.markOpen();
      }
    }
  }
}
