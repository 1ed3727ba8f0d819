import { BINARY_BODY_TYPE, type Frame, joinBinaryFrames } from "@dashwire/protocol";
import { ABNORMAL_CLOSE, refusal } from "./http-fetch.js";
import type { FetchLike } from "./transport.js";

/**
 * Frames queued behind the POST in flight. The connection's outbox stops writing while a POST is
 * in flight and batches into the next one, so the queue holds more than one frame only when a
 * batch reached the frame-size limit; past this bound the transport fails (1006) and the client
 * reconnects and resumes, rather than growing without limit.
 */
export const MAX_QUEUED_POSTS = 64;

/** What a sender reports to its transport. */
export interface HttpSenderEvents {
  /** Every frame given so far was delivered: the transport may take more. */
  drained(): void;
  /** A POST failed: `refused` when the server answered (status + close code), else a network failure. */
  failed(code: number, reason: string, refused: boolean): void;
}

/**
 * The upstream half of the HTTP transports: frames go by `POST {path}/send?tid=…`, one POST in
 * flight at a time so the server receives them in order. A text frame goes as text/plain (a
 * "simple" CORS request, so no preflight); a binary one in a binary body (`BINARY_BODY_TYPE`,
 * issue 19), which a cross-origin page sends after a preflight the browser caches (10 min).
 */
export class HttpSender {
  private url: string | undefined = undefined;
  private queue: Frame[] = [];
  private busy = false;
  private quiet = false;
  private dead = false;
  private readonly onPosted = (res: Response): void => {
    if (res.ok) {
      // Nothing to read from a 204; release the connection at once.
      void res.body?.cancel().catch(() => {});
      this.next();
      return;
    }
    void refusal(res).then(({ code, reason }) => this.fail(code, reason, true));
  };
  private readonly onError = (error: unknown): void => {
    this.fail(ABNORMAL_CLOSE, `send failed: ${String(error)}`, false);
  };

  constructor(
    private readonly fetch: FetchLike,
    private readonly events: HttpSenderEvents,
  ) {}

  /** True while a POST is in flight or frames wait. */
  get pending(): boolean {
    return this.busy;
  }

  /** The transport id is known: frames go to `url` from now on. */
  start(url: string): void {
    this.url = url;
  }

  /** Queues one frame; returns false (busy) whenever a POST is in flight after the call. */
  send(frame: Frame): boolean {
    if (this.dead || this.quiet || this.url === undefined) return true;
    if (this.queue.length >= MAX_QUEUED_POSTS) {
      this.fail(ABNORMAL_CLOSE, `more than ${MAX_QUEUED_POSTS} frames waiting to be sent`, false);
      return false;
    }
    this.queue.push(frame);
    if (!this.busy) this.next();
    return false;
  }

  /**
   * Stops reporting. Frames already given are still posted, in order: the last words of a
   * transport being retired (e.g. its `unsub`s) reach the server. Nothing new is accepted.
   */
  close(): void {
    this.quiet = true;
    if (!this.busy) this.dead = true;
  }

  private next(): void {
    const frame = this.queue.shift();
    if (frame === undefined) {
      this.busy = false;
      if (this.quiet) this.dead = true;
      else this.events.drained();
      return;
    }
    this.busy = true;
    const text = typeof frame === "string";
    this.fetch(this.url as string, {
      method: "POST",
      body: text ? frame : joinBinaryFrames([frame]),
      headers: { "content-type": text ? "text/plain;charset=UTF-8" : BINARY_BODY_TYPE },
      credentials: "include",
      cache: "no-store",
    }).then(this.onPosted, this.onError);
  }

  private fail(code: number, reason: string, refused: boolean): void {
    if (this.dead) return;
    this.dead = true;
    this.busy = false;
    this.queue = [];
    if (!this.quiet) this.events.failed(code, reason, refused);
  }
}
