import { BodyCollector, forEachFrame } from "./body-collector.js";
import { HttpLink } from "./http-link.js";
import type { LinkSink, LinkTarget } from "./link.js";

/** engine.io v4 separates packets in a polling payload with the record separator. */
const RECORD_SEPARATOR = 0x1e;
const CLOSE_PACKET = 0x31;

/**
 * engine.io v4's HTTP long-polling transport (Socket.IO and Flask-SocketIO clients that never
 * upgrade): `GET {path}` answers the open packet `0{"sid",…}`; then `GET {path}&sid=` polls and
 * `POST {path}&sid=` sends, packets separated by 0x1e, one request of each kind in flight. Every
 * packet, the open packet included, goes to the sink as a frame (the Socket.IO protocol answers
 * it with `40`, and pings `2` with `3`).
 */
export class EioPollLink extends HttpLink {
  readonly transport = "polling";
  private readonly body = new BodyCollector();
  private sidPath = "";
  private paused = false;
  private polling = false;

  constructor(target: LinkTarget, sink: LinkSink) {
    super(target, sink);
    this.emitFrame = this.emitFrame.bind(this);
    this.wire.request("GET", this.basePath, undefined, this);
  }

  protected sendPath(): string {
    return this.sidPath;
  }

  protected joinFrames(frames: string[]): string {
    return frames.join("\x1e");
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.poll();
  }

  onHead(status: number): void {
    this.status = status;
  }

  onData(chunk: Buffer): void {
    this.body.add(chunk);
  }

  onEnd(): void {
    const body = this.body.take();
    this.polling = false;
    if (this.status !== 200) {
      this.lost(`polling answered ${this.status}`);
      return;
    }
    if (!this.open) {
      const sid = /"sid":"([^"]+)"/.exec(body.toString("latin1"))?.[1];
      if (sid === undefined || body[0] !== 0x30) {
        this.lost(`no open packet: ${body.toString("latin1", 0, 120)}`);
        return;
      }
      this.sidPath = `${this.basePath}&sid=${encodeURIComponent(sid)}`;
      this.markOpen();
    }
    forEachFrame(body, RECORD_SEPARATOR, this.emitFrame);
    this.poll();
  }

  onError(error: Error): void {
    this.body.reset();
    this.lost(error.message);
  }

  private emitFrame(frame: Buffer): void {
    if (this.closed) return;
    if (frame.length === 1 && frame[0] === CLOSE_PACKET) {
      this.lost("engine.io close packet");
      return;
    }
    this.sink.onFrame(frame);
  }

  private poll(): void {
    if (this.paused || this.polling || this.closed || !this.open) return;
    this.polling = true;
    this.wire.request("GET", this.sidPath, undefined, this);
  }
}
