import { HttpWire, type HttpHandler } from "./http-wire.js";

/** Frames queued behind the POST in flight, per client (a bound: the generator never waits). */
const MAX_QUEUED = 10_000;

/**
 * Client → server frames of an HTTP transport: one POST in flight at a time per client (the
 * servers refuse or reorder overlapping ones), and everything queued meanwhile goes in the
 * next POST, joined by `join` (dashwire: one JSON array frame; engine.io: records separated by
 * 0x1e). Uses its own keep-alive connection, apart from the long-lived GET.
 */
export class PostQueue implements HttpHandler {
  private readonly wire: HttpWire;
  private queue: string[] = [];
  private status = 0;
  /** Frames dropped because the queue was full. */
  dropped = 0;
  /** Bytes waiting in the queue. */
  queuedBytes = 0;

  constructor(
    host: string,
    port: number,
    localAddress: string | undefined,
    private readonly path: () => string,
    private readonly join: (frames: string[]) => string,
    private readonly onFailure: (error: Error) => void,
  ) {
    this.wire = new HttpWire(host, port, localAddress);
  }

  /** Queues a frame; it leaves at once when no POST is in flight. */
  send(frame: string): void {
    if (this.queue.length >= MAX_QUEUED) {
      this.dropped++;
      return;
    }
    this.queue.push(frame);
    this.queuedBytes += frame.length;
    if (!this.wire.busy) this.flush();
  }

  destroy(): void {
    this.queue = [];
    this.queuedBytes = 0;
    this.wire.destroy();
  }

  private flush(): void {
    if (this.queue.length === 0) return;
    const frames = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    this.wire.request("POST", this.path(), frames.length === 1 ? frames[0] : this.join(frames), this);
  }

  onHead(status: number): void {
    this.status = status;
  }

  onData(): void {}

  onEnd(): void {
    if (this.status >= 300) this.onFailure(new Error(`POST answered ${this.status}`));
    this.flush();
  }

  onError(error: Error): void {
    this.onFailure(error);
  }
}
