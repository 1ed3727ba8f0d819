import { ABNORMAL_CLOSE, networkFailure, refusal, transportUrl } from "./http-fetch.js";
import { HttpTransport } from "./http-transport.js";
import type { ClientTransport, TransportEnv } from "./transport.js";

/** Polls retried at once after a network failure before the transport counts as lost. */
const POLL_RETRIES = 2;

/**
 * HTTP long-polling, the last resort: `POST {path}/poll` opens the transport (`{"tid"}`), then a
 * loop of `GET {path}/poll?tid=…` each answered with everything pending (frames separated by
 * newlines; JSON text never holds a raw newline) or empty after the server's hold time; frames
 * go up by POST like SSE. One GET is outstanding at a time; it carries `seq`, the answers with frames
 * received so far, so a poll that failed on the network can be retried without losing an answer.
 */
export class PollingTransport extends HttpTransport {
  readonly name = "polling";

  protected connect(url: string): void {
    this.fetch(transportUrl(url, "poll"), this.requestInit({ method: "POST" })).then(
      (res) => this.started(res),
      (error: unknown) => this.fail(ABNORMAL_CLOSE, `poll open failed: ${networkFailure(error)}`),
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
    // Answers with frames received so far, sent as `seq`: a retried poll whose answer was lost on
    // the way gets it again (the server keeps its last answer), so a retry never skips frames.
    let seq = 0;
    let failures = 0;
    while (!this.closed) {
      let body: string;
      try {
        const res = await this.fetch(`${pollUrl}&seq=${seq}`, init);
        if (this.closed) return;
        if (!res.ok) {
          const { code, reason } = await refusal(res);
          this.fail(code, reason);
          return;
        }
        body = await res.text();
      } catch (error) {
        if (this.closed) return;
        // A keep-alive connection the server closed just as this poll went out ("other side
        // closed"), or an answer cut on the way: HTTP/1.1 lets a client retry such a request
        // (RFC 9112 §9.3.1), and `seq` makes it safe. Past a few failures in a row, it is down.
        if (++failures <= POLL_RETRIES) continue;
        this.fail(ABNORMAL_CLOSE, `poll failed: ${networkFailure(error)}`);
        return;
      }
      if (body !== "") seq++;
      failures = 0;
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
