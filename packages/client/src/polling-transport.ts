import { ABNORMAL_CLOSE, refusal, transportUrl } from "./http-fetch.js";
import { HttpTransport } from "./http-transport.js";
import type { ClientTransport, TransportEnv } from "./transport.js";

/**
 * HTTP long-polling, the last resort: `POST {path}/poll` opens the transport (`{"tid"}`), then a
 * loop of `GET {path}/poll?tid=…` each answered with everything pending (frames separated by
 * newlines; JSON text never holds a raw newline) or empty after the server's hold time; frames
 * go up by POST like SSE. One GET is outstanding at a time.
 */
export class PollingTransport extends HttpTransport {
  readonly name = "polling";

  protected connect(url: string): void {
    this.fetch(transportUrl(url, "poll"), this.requestInit({ method: "POST" })).then(
      (res) => this.started(res),
      (error: unknown) => this.fail(ABNORMAL_CLOSE, `poll open failed: ${String(error)}`),
    );
  }

  private async started(res: Response): Promise<void> {
    if (this.closed) return;
    if (!res.ok) {
      const { code, reason } = await refusal(res);
      this.fail(code, reason);
      return;
    }
    let tid: unknown;
    try {
      tid = ((await res.json()) as { tid?: unknown } | null)?.tid;
    } catch {
      tid = undefined;
    }
    if (typeof tid !== "string" || tid === "") {
      this.fail(ABNORMAL_CLOSE, "poll open answered without a transport id");
      return;
    }
    this.opened(tid);
    void this.loop(transportUrl(this.url, "poll", { tid }));
  }

  private async loop(pollUrl: string): Promise<void> {
    const init = this.requestInit();
    while (!this.closed) {
      let body: string;
      try {
        const res = await this.fetch(pollUrl, init);
        if (this.closed) return;
        if (!res.ok) {
          const { code, reason } = await refusal(res);
          this.fail(code, reason);
          return;
        }
        body = await res.text();
      } catch (error) {
        this.fail(ABNORMAL_CLOSE, `poll failed: ${String(error)}`);
        return;
      }
      let start = 0;
      while (start < body.length) {
        let end = body.indexOf("\n", start);
        if (end < 0) end = body.length;
        if (end > start && !this.frame(body.slice(start, end))) return;
        start = end + 1;
      }
    }
  }
}

/** Factory for the registry; fails clearly when the platform has no `fetch`. */
export function createPollingTransport(env: TransportEnv): ClientTransport {
  return new PollingTransport(env);
}
