import type { Frame } from "@dashwire/protocol";
import type { ServerResponse } from "node:http";
import type { Transport, TransportSink } from "./transport.js";

/** Bytes of padding sent first, so buffering proxies start streaming at once. */
const PADDING = `:${" ".repeat(2048)}\n\n`;

/**
 * Server-Sent Events downstream (one `data:` event per frame, `EventSource`-compatible); the
 * client's frames arrive by HTTP POST (see `HttpTransports`). One stream carries every
 * subscription of the client, so a browser tab needs one long-lived HTTP connection.
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

  send(input: Frame): boolean {
    // Binary codecs are refused on this transport at open (close 4507): frames here are text.
    if (typeof input !== "string") throw new TypeError("binary frame on a text transport");
    const frame = input;
    if (this.closed) return true;
    return this.res.write(`data: ${frame}\n\n`);
  }

  /** A frame POSTed by the client. */
  receive(frame: string): void {
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
