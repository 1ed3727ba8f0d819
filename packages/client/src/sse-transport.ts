import { fromBase64 } from "@dashwire/protocol";
import { ABNORMAL_CLOSE, refusal, transportUrl } from "./http-fetch.js";
import { HttpTransport } from "./http-transport.js";
import { SseParser } from "./sse-parser.js";
import type { ClientTransport, TransportEnv } from "./transport.js";

/**
 * Server-Sent Events down (`GET {path}/sse`: first event `tid` names the transport, then one
 * `data:` event per frame; with a binary codec, the base64 of its bytes, since SSE is UTF-8
 * text), HTTP POST up. The stream is read with `fetch` and a small parser
 * rather than `EventSource`: one implementation for browsers and Node 20 (which has `fetch`
 * but no `EventSource`) with no dependency; the status and JSON body of a refusal are readable
 * (so 4501 Forbidden origin stays terminal); and no built-in auto-reconnect fights the client's
 * own reconnect, which must resume subscriptions on a new transport anyway. One stream carries
 * every subscription, so a browser tab holds one long-lived HTTP connection (plus short POSTs).
 */
export class SseTransport extends HttpTransport {
  readonly name = "sse";
  private readonly parser = new SseParser((event, data) => this.event(event, data));
  private readonly binary: boolean;

  constructor(env: TransportEnv) {
    super(env);
    this.binary = env.codec?.binary === true;
  }

  protected connect(url: string): void {
    this.fetch(transportUrl(url, "sse"), this.requestInit({ headers: { accept: "text/event-stream" } })).then(
      (res) => this.read(res),
      (error: unknown) => this.fail(ABNORMAL_CLOSE, `SSE request failed: ${String(error)}`),
    );
  }

  private async read(res: Response): Promise<void> {
    if (this.closed) return;
    if (!res.ok || res.body === null) {
      const { code, reason } = await refusal(res);
      this.fail(code, reason);
      return;
    }
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || this.closed) break;
        this.parser.push(value);
      }
    } catch (error) {
      this.fail(ABNORMAL_CLOSE, `SSE stream failed: ${String(error)}`);
      return;
    }
    this.fail(ABNORMAL_CLOSE, "SSE stream ended");
  }

  private event(event: string, data: string): void {
    if (this.closed) return;
    if (event === "message") {
      if (this.tid !== undefined) this.frame(this.binary ? bytesOf(data) : data);
    } else if (event === "tid" && this.tid === undefined) this.opened(data);
  }
}

/** The bytes of a base64 frame; text that is not base64 is handed on for the codec to refuse. */
function bytesOf(data: string): Uint8Array | string {
  try {
    return fromBase64(data);
  } catch {
    return data;
  }
}

/** Factory for the registry; fails clearly when the platform has no `fetch`. */
export function createSseTransport(env: TransportEnv): ClientTransport {
  return new SseTransport(env);
}
