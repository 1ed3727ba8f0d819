import type { Frame } from "@dashwire/protocol";
import type { ServerResponse } from "node:http";
import type { Transport, TransportSink } from "./transport.js";

/** Bytes of padding sent first, so buffering proxies start streaming at once. */
const PADDING = `:${" ".repeat(2048)}\n\n`;

/**
 * The base64 text of the frame sent last. A publication's frame is one object shared by every
 * connection it goes to (the flusher's shared frame), so SSE connections written one after
 * another encode it once, not once each; one entry, so nothing is held past the next frame.
 */
let lastFrame: Uint8Array | undefined;
let lastText = "";

function base64Of(frame: Uint8Array): string {
  if (frame !== lastFrame) {
    lastText = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString("base64");
    lastFrame = frame;
  }
  return lastText;
}

/**
 * Server-Sent Events downstream (one `data:` event per frame, `EventSource`-compatible); the
 * client's frames arrive by HTTP POST (see `HttpTransports`). One stream carries every
 * subscription of the client, so a browser tab needs one long-lived HTTP connection. SSE is
 * UTF-8 text by spec (HTML, "Server-sent events"), so a binary codec's frames go as base64
 * (issue 19; docs/transports.md has the byte counts).
 */
export class SseTransport implements Transport {
  readonly name = "sse";
  private sink: TransportSink | undefined = undefined;
  private closed = false;

  constructor(
    /** Transport id the client puts on its POSTs. */
    readonly id: string,
    private readonly res: ServerResponse,
    private readonly gone: (transport: SseTransport) => void,
    extraHeaders: Record<string, string>,
  ) {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      // nginx: do not buffer this response.
      "x-accel-buffering": "no",
      ...extraHeaders,
    });
    res.write(`${PADDING}event: tid\ndata: ${id}\n\n`);
    res.on("drain", this.onDrain);
    res.on("close", this.onResClose);
  }

  bind(sink: TransportSink): void {
    this.sink = sink;
  }

  /** Binary frames need no switch here: each is sent as the base64 of its bytes. */
  setBinary(): void {}

  send(frame: Frame): boolean {
    if (this.closed) return true;
    return this.res.write(`data: ${typeof frame === "string" ? frame : base64Of(frame)}\n\n`);
  }

  /** A frame POSTed by the client. */
  receive(frame: Frame): void {
    this.sink?.onFrame(frame);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.res.end();
    this.gone(this);
    this.sink?.onClose(code, reason);
  }

  private readonly onDrain = (): void => {
    this.sink?.onDrain();
  };

  private readonly onResClose = (): void => {
    if (this.closed) return;
    this.closed = true;
    this.gone(this);
    this.sink?.onClose(1006, "stream closed");
  };
}
