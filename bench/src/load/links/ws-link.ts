import { WebSocket } from "ws";
import type { Link, LinkSink, LinkTarget } from "./link.js";

function ignore(): void {}

/**
 * A WebSocket link (the `ws` client). Listeners go on at once: a server may send its first
 * frame in the same packet as the upgrade answer. `pause()` is ws's own: it stops reading the
 * TCP socket, so the server's writes back up.
 */
export class WsLink implements Link {
  readonly transport = "websocket";
  readonly opened: Promise<void>;
  private readonly ws: WebSocket;
  private readonly sink: LinkSink;
  private closing = false;

  constructor(target: LinkTarget, sink: LinkSink) {
    this.sink = sink;
    const ws = new WebSocket(`${target.url}${target.path}`, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      handshakeTimeout: target.timeoutMs,
      maxPayload: 256 * 1024 * 1024,
      ...(target.localAddress ? { localAddress: target.localAddress } : {}),
    });
    this.ws = ws;
    this.onMessage = this.onMessage.bind(this);
    this.onClose = this.onClose.bind(this);
    this.onError = this.onError.bind(this);
    this.opened = new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        ws.off("open", ok);
        reject(error);
      };
      const ok = () => {
        ws.off("error", fail);
        resolve();
      };
      ws.once("open", ok);
      ws.once("error", fail);
    });
    // Callers may never await `opened` when they close first.
    this.opened.catch(ignore);
    ws.on("message", this.onMessage);
    ws.on("close", this.onClose);
    ws.on("error", this.onError);
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(frame: string): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(frame);
    return true;
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  close(): void {
    this.closing = true;
    // Terminating a socket that never opened emits 'error': keep it from becoming uncaught.
    this.ws.on("error", ignore);
    this.ws.terminate();
  }

  private onMessage(data: Buffer): void {
    this.sink.onFrame(data);
  }

  private onClose(code: number, reason: Buffer): void {
    if (!this.closing) this.sink.onClose(code, reason.toString());
  }

  private onError(error: Error): void {
    if (!this.closing && this.ws.readyState === WebSocket.OPEN) this.sink.onError(error);
  }
}
