/** A local HTTP server that receives webhooks in the alert tests and answers as told. */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** One request as received. */
export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What the receiver does with request number `n` (0-based): a status, or "hang" (never answer). */
export type Responder = (n: number, r: Received) => number | "hang";

/** A webhook receiver on 127.0.0.1 and a free port. */
export class WebhookReceiver {
  readonly received: Received[] = [];
  private readonly server: http.Server;
  private readonly hung: http.ServerResponse[] = [];

  private constructor(private respond: Responder) {
    this.server = http.createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (c: string) => (body += c));
      req.on("end", () => {
        const r: Received = { path: req.url ?? "/", headers: req.headers, body };
        const n = this.received.length;
        this.received.push(r);
        const status = this.respond(n, r);
        if (status === "hang") this.hung.push(res);
        else res.writeHead(status, status >= 300 && status < 400 ? { location: "http://127.0.0.1:1/" } : {}).end();
      });
    });
  }

  /** Starts a receiver (default: 200 to everything). */
  static async start(respond: Responder = () => 200): Promise<WebhookReceiver> {
    const r = new WebhookReceiver(respond);
    await new Promise<void>((resolve) => r.server.listen(0, "127.0.0.1", resolve));
    return r;
  }

  /** `http://127.0.0.1:<port><path>`. */
  url(path = "/hook"): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  /** Changes how the next requests are answered. */
  answer(respond: Responder): void {
    this.respond = respond;
  }

  /** The JSON bodies received. */
  bodies<T = { to: string; rule: { id: string } }>(): T[] {
    return this.received.map((r) => JSON.parse(r.body) as T);
  }

  async close(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Posts a point of `series` with the value `level()` every 100 ms (each with its own timestamp)
 * to `baseUrl` (or the instance it names now) until stopped: a series that holds a level for as
 * long as a test needs.
 */
export function feed(baseUrl: string | (() => string), series: string, level: () => number): { stop(): Promise<void> } {
  let stopped = false;
  const base = typeof baseUrl === "string" ? () => baseUrl : baseUrl;
  const loop = (async () => {
    while (!stopped) {
      await fetch(`${base()}/api/v1/metrics`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: series, value: level(), ts: Date.now() }),
      })
        .then((r) => r.body?.cancel())
        // A point lost while the test stops the instance it posts to: the next one follows 100 ms later.
        .catch(() => {});
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
