import { createHash, randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { hostPort, type Link, type LinkSink, type LinkTarget, type OutFrame } from "./link.js";

const CONNECTING = 0;
const HANDSHAKE = 1;
const OPEN = 2;
const CLOSED = 3;

/** Largest upgrade response head accepted. */
const MAX_HEAD = 16 * 1024;
/** Largest message accepted (what the ws link allowed too). */
const MAX_MESSAGE = 256 * 1024 * 1024;
const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const HEAD_END = Buffer.from("\r\n\r\n");

/**
 * One read buffer for every link of the process: `onread` hands each read over in it, and a link
 * consumes it before returning (a frame cut by a read boundary is copied out).
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

/** Random bytes for client masks (RFC 6455 §5.3), drawn in blocks. */
let maskPool = randomBytes(0);
let maskAt = 0;
function nextMask(): Buffer {
  if (maskAt + 4 > maskPool.length) {
    maskPool = randomBytes(8192);
    maskAt = 0;
  }
  maskAt += 4;
  return maskPool.subarray(maskAt - 4, maskAt);
}

/** A masked client frame (FIN set) of `opcode` carrying `payload`. */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const header = n < 126 ? 6 : n < 65_536 ? 8 : 14;
  const out = Buffer.allocUnsafe(header + n);
  out[0] = 0x80 | opcode;
  if (n < 126) out[1] = 0x80 | n;
  else if (n < 65_536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    out.writeUInt32BE(n >>> 0, 6);
  }
  const mask = nextMask();
  mask.copy(out, header - 4);
  for (let i = 0; i < n; i++) out[header + i] = (payload[i] as number) ^ (mask[i & 3] as number);
  return out;
}

/**
 * A WebSocket client link on a bare TCP socket, the load generator's default: the opening
 * handshake by hand, then frames parsed straight out of one shared read buffer (`onread`), with
 * no stream, no per-frame allocation and no copy unless a frame straddles two reads. The `ws`
 * client costs about twice as much CPU per received message, and in a fanout burst the load
 * generator, not the server, was the limit. It speaks RFC 6455 to the benchmark targets:
 * text and binary messages (fragmented too), ping, pong and close; no extensions.
 */
export class WsLink implements Link {
  readonly transport = "websocket";
  readonly opened: Promise<void>;
  private readonly socket: Socket;
  private state = CONNECTING;
  private closing = false;
  private readonly key = randomBytes(16).toString("base64");
  /** Reads of an unfinished frame (or response head), copied out of the shared buffer. */
  private partial: Buffer[] | undefined;
  /** Their total size, and the size the unfinished frame needs (0 while its header is cut). */
  private partialBytes = 0;
  private need = 0;
  /** Fragments of an unfinished message. */
  private fragments: Buffer[] | undefined;
  private settle: ((error?: Error) => void) | undefined;

  constructor(
    private readonly target: LinkTarget,
    private readonly sink: LinkSink,
  ) {
    const { host, port } = hostPort(target.url);
    this.opened = new Promise<void>((resolve, reject) => {
      this.settle = (error) => {
        this.settle = undefined;
        if (error) reject(error);
        else resolve();
      };
    });
    this.opened.catch(() => {});
    this.onRead = this.onRead.bind(this);
    this.socket = connect({
      host,
      port,
      ...(target.localAddress ? { localAddress: target.localAddress } : {}),
      onread: { buffer: READ_BUFFER, callback: this.onRead },
    });
    this.socket.setNoDelay(true);
    this.socket.once("connect", () => this.sendUpgrade(host, port));
    this.socket.on("error", (error) => this.onSocketError(error));
    this.socket.on("close", () => this.lost(1006, ""));
  }

  get isOpen(): boolean {
    return this.state === OPEN;
  }

  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  send(frame: OutFrame): boolean {
    if (this.state !== OPEN) return false;
    if (typeof frame === "string") this.socket.write(clientFrame(0x1, Buffer.from(frame)));
    else this.socket.write(clientFrame(0x2, Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)));
    return true;
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  close(): void {
    this.closing = true;
    this.state = CLOSED;
    this.socket.destroy();
    this.settle?.(new Error("closed"));
  }

  private sendUpgrade(host: string, port: number): void {
    this.state = HANDSHAKE;
    this.socket.write(
      `GET ${this.target.path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${this.key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  }

  /** `onread` callback: `n` new bytes at the start of the shared buffer. */
  private onRead(n: number, buffer: Buffer): boolean {
    let data = buffer.subarray(0, n);
    if (this.partial !== undefined) {
      // A big frame arrives in many reads: keep them apart until it is whole (no quadratic copy).
      this.partial.push(Buffer.from(data));
      this.partialBytes += n;
      if (this.partialBytes < this.need) return true;
      data = Buffer.concat(this.partial, this.partialBytes);
      this.partial = undefined;
    }
    this.need = 0;
    let at = 0;
    if (this.state === HANDSHAKE) {
      at = this.readHead(data);
      if (at < 0) return true;
    }
    while (at < data.length && this.state === OPEN) {
      const used = this.readFrame(data, at);
      if (used === 0) break;
      at += used;
    }
    // Keep what is left of a cut frame (in its own memory: the shared buffer is reused).
    if (at < data.length && this.state === OPEN) this.keep(data.subarray(at));
    return true;
  }

  /** Keeps the start of an unfinished frame or head, out of the shared buffer. */
  private keep(bytes: Buffer): void {
    this.partial = [Buffer.from(bytes)];
    this.partialBytes = bytes.length;
  }

  /** Reads the upgrade response; returns where frames start, or -1 while it is incomplete. */
  private readHead(data: Buffer): number {
    const end = data.indexOf(HEAD_END);
    if (end < 0) {
      if (data.length > MAX_HEAD) this.fail(new Error("upgrade response head too large"));
      else this.keep(data);
      return -1;
    }
    const head = data.toString("latin1", 0, end);
    const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1];
    const accept = /\r\nsec-websocket-accept:\s*(\S+)/i.exec(head)?.[1];
    const expected = createHash("sha1")
      .update(this.key + WS_GUID)
      .digest("base64");
    if (status !== "101") this.fail(new Error(`unexpected server response: ${status ?? head.slice(0, 40)}`));
    else if (accept !== expected) this.fail(new Error("invalid Sec-WebSocket-Accept"));
    else {
      this.state = OPEN;
      this.settle?.();
    }
    return this.state === OPEN ? end + 4 : -1;
  }

  /** Parses one frame at `at`; returns its size, or 0 when it is not complete yet. */
  private readFrame(data: Buffer, at: number): number {
    if (data.length - at < 2) return 0;
    const b0 = data[at] as number;
    const b1 = data[at + 1] as number;
    let length = b1 & 0x7f;
    let header = 2;
    if (length === 126) {
      if (data.length - at < 4) return 0;
      length = data.readUInt16BE(at + 2);
      header = 4;
    } else if (length === 127) {
      if (data.length - at < 10) return 0;
      length = data.readUInt32BE(at + 2) * 2 ** 32 + data.readUInt32BE(at + 6);
      header = 10;
    }
    if (b1 & 0x80 || length > MAX_MESSAGE) {
      this.fail(new Error(b1 & 0x80 ? "masked server frame" : "message too big"));
      return 0;
    }
    if (data.length - at < header + length) {
      this.need = header + length;
      return 0;
    }
    this.onFrame(b0 & 0x80, b0 & 0x0f, data.subarray(at + header, at + header + length));
    return header + length;
  }

  private onFrame(fin: number, opcode: number, payload: Buffer): void {
    if (opcode === 0x1 || opcode === 0x2 || opcode === 0x0) {
      if (fin && this.fragments === undefined) {
        this.sink.onFrame(payload);
        return;
      }
      (this.fragments ??= []).push(Buffer.from(payload));
      if (!fin) return;
      const whole = Buffer.concat(this.fragments);
      this.fragments = undefined;
      this.sink.onFrame(whole);
    } else if (opcode === 0x9) this.socket.write(clientFrame(0xa, payload));
    else if (opcode === 0x8) {
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      const reason = payload.toString("utf8", 2);
      this.socket.write(clientFrame(0x8, payload.subarray(0, 2)));
      this.socket.end();
      this.lost(code, reason);
    }
  }

  private onSocketError(error: Error): void {
    if (this.state === OPEN && !this.closing) this.sink.onError(error);
    this.fail(error);
  }

  private fail(error: Error): void {
    if (this.settle !== undefined) {
      this.state = CLOSED;
      this.socket.destroy();
      this.settle(error);
      return;
    }
    if (this.state === OPEN) {
      this.socket.destroy();
      this.lost(1002, error.message);
    }
  }

  /** The link is gone: tells the sink once (not after `close()` or a failed handshake). */
  private lost(code: number, reason: string): void {
    const wasOpen = this.state === OPEN;
    this.state = CLOSED;
    if (this.settle !== undefined) this.settle(new Error(`closed during handshake (code ${code})`));
    else if (wasOpen && !this.closing) this.sink.onClose(code, reason);
  }
}
