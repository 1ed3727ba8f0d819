import { connect, type Socket } from "node:net";

/** What one HTTP exchange reports. Bound once by the caller; called in order. */
export interface HttpHandler {
  /** Status and the raw header block (lower-case names not guaranteed). */
  onHead(status: number, head: string): void;
  /** A piece of the body as it arrives (chunked framing already removed). */
  onData(chunk: Buffer): void;
  /** The body is complete. */
  onEnd(): void;
  /** The exchange failed (connection lost, bad response). */
  onError(error: Error): void;
}

const HEAD = 0;
const FIXED = 1;
const CHUNK_SIZE = 2;
const CHUNK_DATA = 3;
const CHUNK_CRLF = 4;
const TO_CLOSE = 5;
const IDLE = 6;

const CRLF = Buffer.from("\r\n");
const HEAD_END = Buffer.from("\r\n\r\n");
/** Largest response head accepted (a guard, not a limit any server here comes near). */
const MAX_HEAD = 64 * 1024;

/**
 * A minimal HTTP/1.1 client connection with keep-alive: one exchange at a time, responses
 * framed by Content-Length, chunked encoding or close. Far cheaper per request than
 * `node:http` (no request/response objects, no header maps), which keeps the load generator
 * below the servers it measures when every delivery is a poll response. Not a general client:
 * it speaks to the benchmark targets on loopback and nothing else.
 */
export class HttpWire {
  private socket: Socket | undefined;
  private handler: HttpHandler | undefined;
  private state = IDLE;
  private pending: Buffer | undefined;
  private remaining = 0;
  private closeAfter = false;
  private gotBytes = false;
  private retry: string | undefined;
  private paused = false;
  private destroyed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly localAddress: string | undefined,
  ) {
    this.onData = this.onData.bind(this);
    this.onSocketClose = this.onSocketClose.bind(this);
    this.onSocketError = this.onSocketError.bind(this);
  }

  /** True while an exchange is in flight. */
  get busy(): boolean {
    return this.handler !== undefined;
  }

  /** Sends a request; `handler` hears about its response. One exchange at a time. */
  request(method: string, path: string, body: string | undefined, handler: HttpHandler): void {
    if (this.destroyed) {
      handler.onError(new Error("connection closed"));
      return;
    }
    if (this.handler !== undefined) throw new Error("HttpWire: one exchange at a time");
    const length = body === undefined ? 0 : Buffer.byteLength(body);
    const text =
      `${method} ${path} HTTP/1.1\r\nhost: ${this.host}:${this.port}\r\n` +
      (body === undefined ? "" : `content-type: text/plain\r\ncontent-length: ${length}\r\n`) +
      `\r\n${body ?? ""}`;
    this.handler = handler;
    this.state = HEAD;
    this.pending = undefined;
    this.gotBytes = false;
    this.closeAfter = false;
    // A keep-alive connection the server closed while idle fails the next request before any
    // byte comes back; that request was never processed and is sent once more on a new socket.
    this.retry = text;
    this.ensureSocket().write(text);
  }

  /** Stops reading responses (the socket's buffers fill, then the server's). */
  pause(): void {
    this.paused = true;
    this.socket?.pause();
  }

  resume(): void {
    this.paused = false;
    this.socket?.resume();
  }

  /** Closes the connection; an exchange in flight gets no further callback. */
  destroy(): void {
    this.destroyed = true;
    this.handler = undefined;
    this.socket?.destroy();
    this.socket = undefined;
  }

  private ensureSocket(): Socket {
    if (this.socket !== undefined && !this.socket.destroyed) return this.socket;
    const socket = connect({
      host: this.host,
      port: this.port,
      noDelay: true,
      ...(this.localAddress ? { localAddress: this.localAddress } : {}),
    });
    socket.on("data", this.onData);
    socket.on("close", this.onSocketClose);
    socket.on("error", this.onSocketError);
    if (this.paused) socket.pause();
    this.socket = socket;
    return socket;
  }

  private onSocketError(): void {
    // 'close' follows and decides.
  }

  private onSocketClose(): void {
    // A socket closed by `finish` (Connection: close) may report after its successor opened.
    if (this.socket !== undefined && !this.socket.destroyed) return;
    this.socket = undefined;
    const handler = this.handler;
    if (handler === undefined || this.destroyed) return;
    if (this.state === TO_CLOSE) {
      this.finish();
      return;
    }
    if (!this.gotBytes && this.retry !== undefined) {
      const text = this.retry;
      this.retry = undefined;
      this.ensureSocket().write(text);
      return;
    }
    this.handler = undefined;
    this.state = IDLE;
    handler.onError(new Error("connection closed before the response ended"));
  }

  private onData(data: Buffer): void {
    this.gotBytes = true;
    let buf = this.pending === undefined ? data : Buffer.concat([this.pending, data]);
    this.pending = undefined;
    while (buf.length > 0 && this.handler !== undefined) {
      const handler = this.handler;
      if (this.state === HEAD) {
        const end = buf.indexOf(HEAD_END);
        if (end < 0) {
          if (buf.length > MAX_HEAD) this.fail(new Error("response head too large"));
          else this.pending = buf;
          return;
        }
        const head = buf.toString("latin1", 0, end);
        buf = buf.subarray(end + 4);
        const status = Number(head.slice(9, 12));
        const lower = head.toLowerCase();
        this.closeAfter = lower.includes("\r\nconnection: close");
        const cl = /\r\ncontent-length: *(\d+)/.exec(lower);
        if (lower.includes("\r\ntransfer-encoding: chunked")) this.state = CHUNK_SIZE;
        else if (cl) {
          this.remaining = Number(cl[1]);
          this.state = FIXED;
        } else if (status === 204 || status === 304) {
          this.remaining = 0;
          this.state = FIXED;
        } else this.state = TO_CLOSE;
        handler.onHead(status, head);
        if (this.state === FIXED && this.remaining === 0) this.finish();
      } else if (this.state === FIXED) {
        const take = Math.min(this.remaining, buf.length);
        this.remaining -= take;
        handler.onData(buf.subarray(0, take));
        buf = buf.subarray(take);
        if (this.remaining === 0) this.finish();
      } else if (this.state === CHUNK_SIZE) {
        const end = buf.indexOf(CRLF);
        if (end < 0) {
          this.pending = buf;
          return;
        }
        const size = Number.parseInt(buf.toString("latin1", 0, end), 16);
        buf = buf.subarray(end + 2);
        if (!Number.isFinite(size)) {
          this.fail(new Error("bad chunk size"));
          return;
        }
        if (size === 0) {
          // Last chunk: no trailers from these servers, just the final CRLF.
          if (buf.length < 2) {
            this.pending = buf;
            this.state = CHUNK_CRLF;
            this.remaining = -1;
            return;
          }
          buf = buf.subarray(2);
          this.finish();
        } else {
          this.remaining = size;
          this.state = CHUNK_DATA;
        }
      } else if (this.state === CHUNK_DATA) {
        const take = Math.min(this.remaining, buf.length);
        this.remaining -= take;
        handler.onData(buf.subarray(0, take));
        buf = buf.subarray(take);
        if (this.remaining === 0) this.state = CHUNK_CRLF;
      } else if (this.state === CHUNK_CRLF) {
        if (buf.length < 2) {
          this.pending = buf;
          return;
        }
        buf = buf.subarray(2);
        if (this.remaining === -1) this.finish();
        else this.state = CHUNK_SIZE;
      } else if (this.state === TO_CLOSE) {
        handler.onData(buf);
        return;
      } else return;
    }
  }

  private finish(): void {
    const handler = this.handler;
    this.handler = undefined;
    this.state = IDLE;
    this.retry = undefined;
    if (this.closeAfter) {
      this.socket?.destroy();
      this.socket = undefined;
    }
    handler?.onEnd();
  }

  private fail(error: Error): void {
    const handler = this.handler;
    this.handler = undefined;
    this.state = IDLE;
    this.socket?.destroy();
    this.socket = undefined;
    handler?.onError(error);
  }
}
