import http, { type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Frame } from "@dashwire/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { type HttpTransportHost, HttpTransports } from "./http-transports.js";
import type { TransportSink } from "./transport.js";
import {
  type HttpTransport,
  type HttpTransportEntry,
  serverTransports,
  transportsOpenedBy,
} from "./transport-registry.js";

/**
 * A toy transport, what the new file of a new transport holds: frames go down as the lines of
 * one streamed response, and come up by the `send` route every HTTP transport shares.
 */
class LinesTransport implements HttpTransport {
  readonly name = "lines";
  private sink: TransportSink | undefined = undefined;

  constructor(
    readonly id: string,
    private readonly res: ServerResponse,
    private readonly gone: (t: HttpTransport) => void,
  ) {
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
    res.write(`${id}\n`);
  }

  bind(sink: TransportSink): void {
    this.sink = sink;
  }

  send(frame: Frame): boolean {
    return this.res.write(`${String(frame)}\n`);
  }

  receive(frame: Frame): void {
    this.sink?.onFrame(frame);
  }

  close(code: number, reason: string): void {
    this.res.end();
    this.gone(this);
    this.sink?.onClose(code, reason);
  }
}

/** Its registration: the one line a new transport adds to `serverTransports`. */
const lines: HttpTransportEntry = {
  opens: "http",
  method: "GET",
  route: "lines",
  create: (id, res, gone) => new LinesTransport(id, res, gone),
};

let server: http.Server | undefined;

afterEach(async () => {
  const s = server;
  server = undefined;
  if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()));
});

/** HTTP transports with `entries` on a real server; each session echoes its frames upper-cased. */
async function serve(entries: readonly [string, HttpTransportEntry][]): Promise<{ base: string; closes: number[] }> {
  const closes: number[] = [];
  const host: HttpTransportHost = {
    admit: () => undefined,
    open: (t) => {
      const sink: TransportSink = {
        onFrame: (frame) => t.send(String(frame).toUpperCase()),
        onDrain() {},
        onClose: (code) => closes.push(code),
      };
      t.bind(sink);
    },
    codecFor: () => ({ name: "json" }),
    originAllowed: () => true,
    hostAllowed: () => true,
    newSessionId: () => "s1",
    frameBytes: 1024,
    nodeId: "n1",
    relay: undefined,
    closing: false,
  };
  const transports = new HttpTransports(host, entries);
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (!transports.handle(req, res, url.pathname.slice("/dw/".length), url.searchParams)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dw`, closes };
}

/** The lines of a streamed response, one at a time. */
function lineReader(res: Response): () => Promise<string | undefined> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return async () => {
    for (;;) {
      const end = buffer.indexOf("\n");
      if (end >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        return line;
      }
      const { value, done } = await reader.read();
      if (done) return undefined;
      buffer += decoder.decode(value, { stream: true });
    }
  };
}

describe("server transport registry", () => {
  it("lists WebSocket (opened by upgrade), SSE and long-polling (opened by HTTP requests)", () => {
    expect(Object.keys(serverTransports)).toEqual(["websocket", "sse", "polling"]);
    expect(transportsOpenedBy("upgrade").map(([name]) => name)).toEqual(["websocket"]);
    expect(transportsOpenedBy("http").map(([name, e]) => `${name}: ${e.method} ${e.route}`)).toEqual([
      "sse: GET sse",
      "polling: POST poll",
    ]);
  });

  it("serves a new transport from its entry alone: opened, frames both ways, closed by the client", async () => {
    const { base, closes } = await serve([...transportsOpenedBy("http"), ["lines", lines]]);
    const stream = await fetch(`${base}/lines`);
    expect(stream.status).toBe(200);
    const next = lineReader(stream);
    const tid = await next();
    expect(tid).toBe("n1.s1");
    const sent = await fetch(`${base}/send?tid=${tid}`, { method: "POST", body: "hello" });
    expect(sent.status).toBe(204);
    expect(await next()).toBe("HELLO");
    const closed = await fetch(`${base}/close?tid=${tid}`, { method: "POST" });
    expect(closed.status).toBe(204);
    expect(await next()).toBeUndefined();
    expect(closes).toEqual([1000]);
  });

  it("does not serve a transport that is not registered", async () => {
    const { base } = await serve(transportsOpenedBy("http"));
    expect((await fetch(`${base}/lines`)).status).toBe(404);
  });
});
