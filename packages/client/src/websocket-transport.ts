import { ErrorCode, type Frame, MAX_CLOSE_REASON_BYTES, truncateUtf8 } from "@dashwire/protocol";
import { DashwireClientError } from "./errors.js";
import type {
  ClientTransport,
  TransportEnv,
  TransportHandlers,
  WebSocketConstructor,
  WebSocketLike,
} from "./transport.js";

const OPEN = 1;
const noop = (): void => {};

/** Turns `http(s)://` into `ws(s)://` so one base URL serves every transport. */
export function toWebSocketUrl(url: string): string {
  if (url.startsWith("http://")) return "ws://" + url.slice(7);
  if (url.startsWith("https://")) return "wss://" + url.slice(8);
  return url;
}

/** WebSocket transport: one text (JSON) or binary (msgpack) frame per dashwire frame. */
export class WebSocketTransport implements ClientTransport {
  readonly name = "websocket";
  private ws: WebSocketLike | undefined = undefined;
  private handlers: TransportHandlers | undefined = undefined;
  // Listeners bound once per transport, never per message (ws `lib/receiver.js` habit).
  private readonly handleOpen = (): void => this.handlers?.onOpen();
  private readonly handleMessage = (event: { data: unknown }): void => {
    const data = event.data;
    // Text frames for JSON; binary frames (a binary codec, issue 19) go to the codec as bytes
    // (the JSON codec reads bytes as UTF-8 text).
    if (typeof data === "string") this.handlers?.onFrame(data);
    else if (data instanceof ArrayBuffer) this.handlers?.onFrame(new Uint8Array(data));
    else if (ArrayBuffer.isView(data))
      this.handlers?.onFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  };
  private readonly handleClose = (event: { code?: number; reason?: string }): void => {
    const handlers = this.handlers;
    this.detach();
    handlers?.onClose(event.code ?? 1006, event.reason ?? "");
  };

  constructor(private readonly WebSocketImpl: WebSocketConstructor) {}

  open(url: string, handlers: TransportHandlers): void {
    this.handlers = handlers;
    const ws = new this.WebSocketImpl(toWebSocketUrl(url));
    ws.binaryType = "arraybuffer";
    ws.onopen = this.handleOpen;
    ws.onmessage = this.handleMessage;
    ws.onclose = this.handleClose;
    // A close event always follows an error event; the close carries the code we act on.
    ws.onerror = noop;
    this.ws = ws;
  }

  send(frame: Frame): boolean {
    // The socket buffers without limit; the server's heartbeat bounds how long that can go on.
    if (this.ws !== undefined && this.ws.readyState === OPEN) this.ws.send(frame);
    return true;
  }

  close(code: number, reason: string): void {
    const ws = this.ws;
    this.detach();
    if (ws === undefined) return;
    try {
      // Browsers throw SyntaxError on a reason past 123 bytes: cut by bytes, not characters.
      ws.close(code, truncateUtf8(reason, MAX_CLOSE_REASON_BYTES));
    } catch {
      // Browsers throw on codes outside 1000/3000-4999; the socket is dropped either way.
      ws.close();
    }
  }

  private detach(): void {
    const ws = this.ws;
    this.handlers = undefined;
    this.ws = undefined;
    if (ws === undefined) return;
    ws.onopen = null;
    ws.onmessage = null;
    ws.onclose = null;
    // Keep an error listener: `ws` emits "error" when closed while still connecting, and an
    // EventEmitter without one would throw it out of the process.
    ws.onerror = noop;
  }
}

/** Factory for the registry; fails clearly when the platform has no WebSocket. */
export function createWebSocketTransport(env: TransportEnv): ClientTransport {
  const impl = env.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (impl === undefined)
    throw new DashwireClientError(
      ErrorCode.InvalidField,
      "no WebSocket implementation: pass options.WebSocket, or import from @dashwire/client/node",
    );
  return new WebSocketTransport(impl);
}
