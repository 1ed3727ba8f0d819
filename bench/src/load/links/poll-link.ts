import { BodyCollector, forEachFrame } from "./body-collector.js";
import { HttpLink } from "./http-link.js";
import type { LinkSink, LinkTarget } from "./link.js";
import { joinDashwireFrames } from "./sse-link.js";

const NEWLINE = 0x0a;

/**
 * dashwire's long-polling transport: `POST {path}/poll` answers `{"tid"}`; `GET
 * {path}/poll?tid=` is held until frames are due and answers them separated by newlines (the
 * next poll leaves as soon as one is answered); frames go up by `POST {path}/send?tid=`.
 * `pause()` stops polling.
 */
export class PollLink extends HttpLink {
  readonly transport = "polling";
  private readonly body = new BodyCollector();
  private tid = "";
  private paused = false;
  private polling = false;

  constructor(target: LinkTarget, sink: LinkSink) {
    super(target, sink);
    this.emitFrame = this.emitFrame.bind(this);
    this.wire.request("POST", `${this.basePath}/poll`, "", this);
  }

  protected sendPath(): string {
    return `${this.basePath}/send?tid=${this.tid}`;
  }

  protected joinFrames(frames: string[]): string {
    return joinDashwireFrames(frames);
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
    if (!this.open) {
      if (this.status !== 200) {
        this.lost(`poll open answered ${this.status}`);
        return;
      }
      try {
        this.tid = (JSON.parse(body.toString()) as { tid: string }).tid;
      } catch {
        this.lost("poll open: no tid");
        return;
      }
      this.markOpen();
      this.poll();
      return;
    }
    this.polling = false;
    if (this.status !== 200) {
      this.lost(`poll answered ${this.status}`);
      return;
    }
    forEachFrame(body, NEWLINE, this.emitFrame);
    this.poll();
  }

  onError(error: Error): void {
    this.body.reset();
    this.lost(error.message);
  }

  private emitFrame(frame: Buffer): void {
    if (!this.closed) this.sink.onFrame(frame);
  }

  private poll(): void {
    if (this.paused || this.polling || this.closed || !this.open) return;
    this.polling = true;
    this.wire.request("GET", `${this.basePath}/poll?tid=${this.tid}`, undefined, this);
  }
}
