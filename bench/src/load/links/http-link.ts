import { type HttpHandler, HttpWire } from "./http-wire.js";
import { hostPort, type Link, type LinkSink, type LinkTarget, type OutFrame } from "./link.js";
import { PostQueue } from "./post-queue.js";

function ignore(): void {}

/**
 * What the HTTP links share (dashwire SSE, dashwire long-polling, engine.io long-polling): one
 * downstream connection (`wire`), frames up by POST (one in flight, the rest batched, see
 * `PostQueue`), an `opened` promise, and one way to end. A subclass reads the downstream.
 */
export abstract class HttpLink implements Link, HttpHandler {
  abstract readonly transport: Link["transport"];
  readonly opened: Promise<void>;
  protected readonly wire: HttpWire;
  protected readonly posts: PostQueue;
  protected readonly sink: LinkSink;
  protected readonly basePath: string;
  protected open = false;
  protected closed = false;
  protected status = 0;
  private resolveOpen: () => void = ignore;
  private rejectOpen: (error: Error) => void = ignore;

  constructor(target: LinkTarget, sink: LinkSink) {
    this.sink = sink;
    this.basePath = target.path;
    const { host, port } = hostPort(target.url);
    this.wire = new HttpWire(host, port, target.localAddress);
    this.posts = new PostQueue(
      host,
      port,
      target.localAddress,
      () => this.sendPath(),
      (frames) => this.joinFrames(frames),
      (error) => this.lost(`send failed: ${error.message}`),
    );
    this.opened = new Promise<void>((resolve, reject) => {
      this.resolveOpen = resolve;
      this.rejectOpen = reject;
    });
    this.opened.catch(ignore);
  }

  /** Path of the POST that carries frames up. */
  protected abstract sendPath(): string;
  /** Joins queued frames into one POST body. */
  protected abstract joinFrames(frames: string[]): string;

  abstract onHead(status: number): void;
  abstract onData(chunk: Buffer): void;
  abstract onEnd(): void;
  abstract onError(error: Error): void;
  abstract pause(): void;
  abstract resume(): void;

  get isOpen(): boolean {
    return this.open;
  }

  get bufferedAmount(): number {
    return this.posts.queuedBytes;
  }

  send(frame: OutFrame): boolean {
    // This link posts text only (no binary bodies yet): the CLI refuses --codec msgpack on it.
    if (typeof frame !== "string") throw new TypeError("binary frames need the websocket transport");
    if (!this.open) return false;
    this.posts.send(frame);
    return true;
  }

  close(): void {
    this.closed = true;
    this.open = false;
    this.wire.destroy();
    this.posts.destroy();
    this.rejectOpen(new Error("closed"));
  }

  /** The server named the transport: frames may go up now. */
  protected markOpen(): void {
    this.open = true;
    this.resolveOpen();
  }

  /** Opening failed (before it was open). */
  protected refuse(error: Error): void {
    this.rejectOpen(error);
  }

  /** The link ended on its own: reported once to the sink when it had opened. */
  protected lost(reason: string): void {
    if (this.closed) return;
    const wasOpen = this.open;
    this.closed = true;
    this.open = false;
    this.wire.destroy();
    this.posts.destroy();
    this.rejectOpen(new Error(reason));
    if (wasOpen) this.sink.onClose(1006, reason);
  }
}
