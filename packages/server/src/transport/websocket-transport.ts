import { isUtf8 } from "node:buffer";
import type { Duplex } from "node:stream";
import { CloseCode, type Frame, MAX_CLOSE_REASON_BYTES, truncateUtf8 } from "@dashwire/protocol";
import type { RawData, WebSocket } from "ws";
import type { Transport, TransportSink } from "./transport.js";

/**
 * WebSocket transport over `ws`. Listeners are bound once per connection; backpressure is
 * handled in one place: when the socket buffer is above the high-water mark, the frame is sent
 * with a completion callback and `send` returns false until that write completes.
 *
 * Outbound data frames skip ws's sender: a frame is built once, header and payload in one buffer,
 * for every connection that sends the same string in a row, and goes to the socket in one plain
 * `write` (ws would cork, write header and payload apart and `writev` them, per connection). Server
 * frames are unmasked and compression is off, so the bytes are the same for everyone; ws still
 * owns the socket for reading, pings and the close handshake, and data stops once it is closing.
 */
export class WebSocketTransport implements Transport {
  readonly name = "websocket";
  private sink: TransportSink | undefined = undefined;
  private early: Frame[] | undefined = undefined;
  private closed = false;
  /** A binary codec was negotiated: binary frames are handed over as bytes (issue 19). */
  private binary = false;

  constructor(
    private readonly ws: WebSocket,
    /** The upgraded socket under `ws`: data frames are written to it directly. */
    private readonly socket: Duplex,
    private readonly highWaterBytes: number,
  ) {
    // Listeners are shared functions that find the transport through the socket: no closures
    // per connection (idle memory per connection is a benchmark target).
    (ws as TransportSocket)[kTransport] = this;
    ws.on("message", onMessage);
    ws.on("close", onClose);
    ws.on("error", onError);
  }

  bind(sink: TransportSink): void {
    this.sink = sink;
    const early = this.early;
    this.early = undefined;
    if (early !== undefined) for (const frame of early) sink.onFrame(frame);
  }

  setBinary(): void {
    this.binary = true;
  }

  send(frame: Frame): boolean {
    // Once ws is closing, its close frame may be out: nothing may follow it.
    if (this.closed || this.ws.readyState !== OPEN) return true;
    const socket = this.socket;
    const bytes = dataFrame(frame);
    if (socket.writableLength + bytes.length < this.highWaterBytes) {
      socket.write(bytes);
      return true;
    }
    socket.write(bytes, (err?: Error | null) => {
      if (err === undefined || err === null) this.sink?.onDrain();
    });
    return false;
  }

  setReading(on: boolean): void {
    if (this.closed) return;
    if (on) this.ws.resume();
    else this.ws.pause();
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    const socket = this.ws;
    try {
      // Close reasons are limited to 123 bytes by RFC 6455 §5.5: cut inside a character, a
      // reason decodes to U+FFFD and grows past that; ws throws then, and on a code a close
      // frame may not carry.
      socket.close(code, truncateUtf8(reason, MAX_CLOSE_REASON_BYTES));
    } catch {
      socket.terminate();
      return;
    }
    // An abuser (flooding, malformed, oversize) is not read any more: its buffered bytes would
    // cost unmasking until the close handshake ends. It gets its close frame and a second.
    const abusive =
      code === CloseCode.RateLimited || code === CloseCode.ProtocolError || code === CloseCode.MessageTooBig;
    if (abusive) socket.pause();
    // A peer that never answers the close handshake is cut off.
    setTimeout(terminateSocket, abusive ? 1000 : 5000, socket).unref();
  }

  /** A frame arrived (called by the shared listener). */
  receive(data: RawData, isBinary: boolean): void {
    let frame: Frame;
    if (isBinary && this.binary) frame = Buffer.isBuffer(data) ? data : Buffer.concat(toBuffers(data));
    else if (isBinary || !Buffer.isBuffer(data)) {
      // ws checks text frames' UTF-8 (and closes with 1007); binary ones are ours to check:
      // decoded, two different bad byte strings would become the same U+FFFD text.
      const bytes = Buffer.concat(toBuffers(data));
      if (!isUtf8(bytes)) {
        this.close(CloseCode.InvalidPayload, "frame is not valid UTF-8");
        return;
      }
      frame = bytes.toString();
    } else frame = data.toString();
    if (this.sink !== undefined) this.sink.onFrame(frame);
    else (this.early ??= []).push(frame);
  }

  /** The socket closed (called by the shared listener). */
  socketClosed(code: number, reason: Buffer): void {
    this.closed = true;
    this.sink?.onClose(code, reason.toString());
  }

  /** ws reported a protocol error; an oversize frame is cut off at once, not drained. */
  socketError(err: Error & { code?: string }): void {
    if (err.code !== "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") return;
    // The session ends now (counted as 1009), not when the socket is finally gone.
    if (!this.closed) {
      this.closed = true;
      this.sink?.onClose(1009, "frame too large");
    }
    // ws has queued its 1009 close frame and resumes the socket on the next tick to drain the
    // rest of the frame; stop reading after that instead, and cut the socket off in a second.
    setImmediate(pauseSocket, this.ws);
    setTimeout(terminateSocket, 1000, this.ws).unref();
  }
}

const kTransport = Symbol("dashwire.transport");

/** `WebSocket.OPEN`. */
const OPEN = 1;

let lastFrame: Frame | undefined;
let lastBytes: Buffer = Buffer.alloc(0);

/**
 * The WebSocket frame of `frame` (RFC 6455 §5.2: FIN, opcode 1 for text or 2 for bytes,
 * unmasked, no extension), built once for every connection that sends the same frame in a row:
 * a publication alone in its frame, or a turn's batch for a room, is the very same string (or
 * byte array) for all its subscribers.
 */
export function dataFrame(frame: Frame): Buffer {
  if (frame === lastFrame) return lastBytes;
  const text = typeof frame === "string";
  const length = text ? Buffer.byteLength(frame) : frame.byteLength;
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const bytes = Buffer.allocUnsafe(header + length);
  bytes[0] = text ? 0x81 : 0x82;
  if (header === 2) bytes[1] = length;
  else if (header === 4) {
    bytes[1] = 126;
    bytes.writeUInt16BE(length, 2);
  } else {
    bytes[1] = 127;
    bytes.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    bytes.writeUInt32BE(length >>> 0, 6);
  }
  if (text) bytes.write(frame, header, length, "utf8");
  else bytes.set(frame, header);
  lastFrame = frame;
  lastBytes = bytes;
  return bytes;
}
type TransportSocket = WebSocket & { [kTransport]: WebSocketTransport };

function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  (this as TransportSocket)[kTransport].receive(data, isBinary);
}

function onClose(this: WebSocket, code: number, reason: Buffer): void {
  (this as TransportSocket)[kTransport].socketClosed(code, reason);
}

function pauseSocket(ws: WebSocket): void {
  ws.pause();
}

function terminateSocket(ws: WebSocket): void {
  ws.terminate();
}

function onError(this: WebSocket, err: Error): void {
  // 'close' follows every 'error' in ws; the session cleans up there.
  (this as TransportSocket)[kTransport].socketError(err);
}

function toBuffers(data: RawData): Buffer[] {
  if (Array.isArray(data)) return data;
  if (data instanceof ArrayBuffer) return [Buffer.from(data)];
  return [data];
}
