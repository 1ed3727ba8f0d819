import { BINARY_BODY_TYPE, BinaryBodyError, bodyEmpty, type Frame, splitBinaryFrames } from "@dashwire/protocol";
import { ABNORMAL_CLOSE, networkFailure, refusal, transportUrl } from "./http-fetch.js";
import { HttpTransport } from "./http-transport.js";
import type { ClientTransport, TransportEnv } from "./transport.js";

/** Polls retried at once after a network failure before the transport counts as lost. */
const POLL_RETRIES = 2;

/**
 * HTTP long-polling, the last resort: `POST {path}/poll` opens the transport (`{"tid"}`), then a
 * loop of `GET {path}/poll?tid=…` each answered with everything pending (text frames separated
 * by newlines, as JSON text never holds a raw newline; binary frames in a binary body, issue 19)
 * or empty after the server's hold time; frames
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
      let body: string | Uint8Array;
      try {
        const res = await this.fetch(`${pollUrl}&seq=${seq}`, init);
        if (this.closed) return;
        if (!res.ok) {
          const { code, reason } = await refusal(res);
          this.fail(code, reason);
          return;
        }
        body = await bodyOf(res);
      } catch (error) {
        if (this.closed) return;
        // A keep-alive connection the server closed just as this poll went out ("other side
        // closed"), or an answer cut on the way: HTTP/1.1 lets a client retry such a request
        // (RFC 9112 §9.3.1), and `seq` makes it safe. Past a few failures in a row, it is down.
        if (++failures <= POLL_RETRIES) continue;
        this.fail(ABNORMAL_CLOSE, `poll failed: ${networkFailure(error)}`);
        return;
      }
      if (!bodyEmpty(body)) seq++;
      failures = 0;
      const frames = framesOf(body);
      if (frames === undefined) {
        this.fail(ABNORMAL_CLOSE, "poll answer is not a sequence of binary frames");
        return;
      }
      for (const frame of frames) if (!this.frame(frame)) return;
    }
  }
}

/** A poll answer's body: bytes when the server labelled it a binary body, else text. */
async function bodyOf(res: Response): Promise<string | Uint8Array> {
  const type = res.headers.get("content-type") ?? "";
  return type.startsWith(BINARY_BODY_TYPE) ? new Uint8Array(await res.arrayBuffer()) : res.text();
}

/** The frames of a poll answer, undefined when a binary body is malformed. */
function framesOf(body: string | Uint8Array): Frame[] | undefined {
  if (typeof body !== "string") {
    try {
      return splitBinaryFrames(body, Number.POSITIVE_INFINITY);
    } catch (error) {
      if (error instanceof BinaryBodyError) return undefined;
      throw error;
    }
  }
  const frames: string[] = [];
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf("\n", start);
    if (end < 0) end = body.length;
    if (end > start) frames.push(body.slice(start, end));
    start = end + 1;
  }
  return frames;
}

/** Factory for the registry; fails clearly when the platform has no `fetch`. */
export function createPollingTransport(env: TransportEnv): ClientTransport {
  return new PollingTransport(env);
}
