import type { Frame } from "@dashwire/protocol";
import { ABNORMAL_CLOSE, resolveFetch, transportUrl } from "./http-fetch.js";
import { HttpSender } from "./http-sender.js";
import { realScheduler, type Scheduler, Timer } from "./timer.js";
import type { ClientTransport, FetchLike, TransportEnv, TransportHandlers, TransportName } from "./transport.js";

/**
 * How long a refused POST waits for the downstream to end by itself. The downstream carries the
 * server's `disconnect` (the real reason); a refused POST (404: transport gone) only tells that
 * the transport ended, and answers first only by a race.
 */
const REFUSED_SEND_GRACE_MS = 2000;

/**
 * What SSE and long-polling share (engine.io's `Transport` base, reduced): frames go up by
 * `HttpSender`, one POST at a time; a subclass implements the downstream in `connect`.
 */
export abstract class HttpTransport implements ClientTransport {
  abstract readonly name: TransportName;
  protected handlers: TransportHandlers | undefined = undefined;
  protected url = "";
  protected closed = false;
  /** Aborts the downstream request(s) on close. */
  protected readonly controller = new AbortController();
  protected readonly fetch: FetchLike;
  private readonly sender: HttpSender;
  private refused: { code: number; reason: string } | undefined = undefined;
  /** Transport id the server gave; known once the downstream opened. */
  protected tid: string | undefined = undefined;
  private readonly graceTimer: Timer;

  constructor(env: TransportEnv) {
    this.fetch = resolveFetch(env);
    const scheduler: Scheduler = env.scheduler ?? realScheduler;
    this.sender = new HttpSender(this.fetch, {
      drained: () => this.handlers?.onDrain(),
      failed: (code, reason, refused) => this.sendFailed(code, reason, refused),
    });
    this.graceTimer = new Timer(() => this.fail(ABNORMAL_CLOSE, "transport gone"), scheduler);
  }

  open(url: string, handlers: TransportHandlers): void {
    this.url = url;
    this.handlers = handlers;
    this.connect(url);
  }

  send(frame: Frame): boolean {
    return this.sender.send(frame);
  }

  close(_code: number, _reason: string): void {
    this.teardown(true);
  }

  /** Stops everything; `notify` tells the server (not when the server ended it already). */
  private teardown(notify: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers = undefined;
    this.graceTimer.stop();
    this.controller.abort();
    this.sender.close();
    // Tell the server at once, so its session ends now and not when polls stop arriving.
    // Fire and forget; `keepalive` lets it outlive a page being unloaded.
    if (notify && this.tid !== undefined)
      this.fetch(transportUrl(this.url, "close", { tid: this.tid }), {
        method: "POST",
        credentials: "include",
        cache: "no-store",
        keepalive: true,
      }).catch(() => {});
  }

  /** Opens the downstream; calls `opened(tid)` once the server named the transport. */
  protected abstract connect(url: string): void;

  /** The server named the transport: frames can go up now. */
  protected opened(tid: string): void {
    if (this.closed) return;
    this.tid = tid;
    this.sender.start(transportUrl(this.url, "send", { tid }));
    this.handlers?.onOpen();
  }

  /** Hands one downstream frame on; false when the transport closed meanwhile. */
  protected frame(frame: Frame): boolean {
    this.handlers?.onFrame(frame);
    return !this.closed;
  }

  /**
   * The transport failed: reported once, then closed. When a POST was refused just before, its
   * close code (e.g. 1009 for a frame too large) explains the end better than the stream's.
   */
  protected fail(code: number, reason: string): void {
    if (this.closed) return;
    const handlers = this.handlers;
    const refused = this.refused;
    this.teardown(false);
    if (refused !== undefined && code === ABNORMAL_CLOSE) handlers?.onClose(refused.code, refused.reason);
    else handlers?.onClose(code, reason);
  }

  /** Common `fetch` options: cookies like a WebSocket gets them, never from a cache. */
  protected requestInit(init: RequestInit = {}): RequestInit {
    return { credentials: "include", cache: "no-store", signal: this.controller.signal, ...init };
  }

  private sendFailed(code: number, reason: string, refused: boolean): void {
    if (!refused) {
      this.fail(code, reason);
      return;
    }
    this.refused = { code, reason };
    this.graceTimer.start(REFUSED_SEND_GRACE_MS);
  }
}
