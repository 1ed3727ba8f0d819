import { type ClientCounters, countError, MAX_ERROR_SAMPLES } from "./client-counters.js";
import type { Link, LinkFactory, LinkSink } from "./links/index.js";
import type { OutFrame } from "./links/link.js";
import type { ClientRole, ProtocolClient, StreamPosition, WireProtocol } from "./protocols/index.js";
import { hasTag, nowMicros, scanTags, type TagSink } from "./tag.js";

/** A publish is skipped when the client's own send buffer holds more than this (bytes). */
const MAX_BUFFERED = 16 * 1024 * 1024;

const IDLE = 0;
const HANDSHAKING = 1;
const OPEN = 2;

/**
 * One simulated dashboard user: a link (WebSocket, SSE or long-polling), its receiver index
 * (−1 when it only publishes) and its sender index (−1 when it only listens). The link calls
 * back into this object (bound once, no closure per frame); while the handshake runs, frames
 * go to the protocol's `step`, then to the cheap tag scan.
 */
export class LoadClient implements LinkSink, ProtocolClient {
  readonly receiver: number;
  readonly sender: number;
  readonly role: ClientRole;
  readonly counters: ClientCounters;
  seq = 0;
  link: Link | undefined;
  position: StreamPosition | undefined = undefined;
  /** `performance.now()` when the last handshake completed. */
  readyAt = 0;
  private state = IDLE;
  private closing = false;
  private settle: ((error?: Error) => void) | undefined;
  private readonly protocol: WireProtocol;
  private readonly links: LinkFactory;
  private readonly path: string;
  private readonly sink: TagSink;

  constructor(
    protocol: WireProtocol,
    links: LinkFactory,
    path: string,
    sink: TagSink,
    counters: ClientCounters,
    receiver: number,
    sender: number,
    role: ClientRole,
  ) {
    this.protocol = protocol;
    this.links = links;
    this.path = path;
    this.sink = sink;
    this.counters = counters;
    this.receiver = receiver;
    this.sender = sender;
    this.role = role;
  }

  /** True once the handshake is done and until the link closes. */
  get connected(): boolean {
    return this.state === OPEN && this.link !== undefined && this.link.isOpen;
  }

  /** Opens a link and runs the handshake; rejects on failure or timeout. */
  connect(url: string, localAddress: string | undefined, timeoutMs: number): Promise<void> {
    this.closing = false;
    this.state = HANDSHAKING;
    const link = this.links({ url, path: this.path, localAddress, timeoutMs }, this);
    this.link = link;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => this.finishHandshake(new Error(`handshake timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.settle = (error) => {
        clearTimeout(timer);
        this.settle = undefined;
        if (error) reject(error);
        else resolve();
      };
      link.opened.then(
        () => {
          if (this.link !== link || this.state !== HANDSHAKING) return;
          for (const frame of this.protocol.opening(this)) link.send(frame);
          if (this.protocol.step === undefined) this.finishHandshake();
        },
        (error: unknown) => {
          if (this.link === link) this.finishHandshake(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  /** Sends one publish frame; returns false when it could not be sent. */
  send(frame: OutFrame): boolean {
    const link = this.link;
    if (link === undefined || this.state !== OPEN || !link.isOpen || link.bufferedAmount > MAX_BUFFERED) {
      this.counters.sendSkipped++;
      return false;
    }
    link.send(frame);
    return true;
  }

  reply(frame: OutFrame): void {
    this.link?.send(frame);
  }

  /** Stops reading the link (a stalled dashboard). */
  pause(): void {
    this.link?.pause();
  }

  resume(): void {
    this.link?.resume();
  }

  /** Drops the connection at once without counting it as a disconnect. */
  close(): void {
    this.closing = true;
    this.state = IDLE;
    this.link?.close();
    this.finishHandshake(new Error("closed"));
  }

  onFrame(frame: Buffer): void {
    this.counters.frames++;
    this.counters.bytes += frame.length;
    if (this.state === OPEN) {
      // Publish-only clients of broadcast-everything peers get publications too: not counted.
      const found = this.receiver >= 0 ? scanTags(frame, this.sink, this.receiver, nowMicros()) : hasTag(frame);
      const problem = this.protocol.control(frame, found > 0, this);
      if (problem !== undefined) countError(this.counters, problem);
      return;
    }
    if (this.state !== HANDSHAKING || this.protocol.step === undefined) return;
    let done: boolean;
    try {
      done = this.protocol.step(frame, this);
    } catch (error) {
      this.finishHandshake(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (!done) return;
    this.finishHandshake();
    // Publications batched with the handshake's last answer (a resume's replay) count too.
    if (this.receiver >= 0) scanTags(frame, this.sink, this.receiver, nowMicros());
  }

  onClose(code: number, reason: string): void {
    if (this.closing) return;
    if (this.state === HANDSHAKING) {
      this.finishHandshake(new Error(`closed during handshake (code ${code}${reason ? ` ${reason}` : ""})`));
      return;
    }
    this.state = IDLE;
    this.counters.disconnects++;
    if (this.counters.samples.length < MAX_ERROR_SAMPLES)
      this.counters.samples.push(`disconnected (code ${code}${reason ? ` ${reason}` : ""})`);
  }

  onError(error: Error): void {
    countError(this.counters, `socket error: ${error.message}`);
  }

  private finishHandshake(error?: Error): void {
    const settle = this.settle;
    if (settle === undefined) return;
    if (error) {
      if (this.state === HANDSHAKING) {
        this.state = IDLE;
        this.closing = true;
        this.link?.close();
      }
      settle(error);
      return;
    }
    this.state = OPEN;
    this.readyAt = performance.now();
    settle();
  }
}
