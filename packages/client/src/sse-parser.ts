/**
 * Incremental `text/event-stream` parser (WHATWG HTML, "Server-sent events", §9.2.6 parsing):
 * fed raw bytes as they arrive, it calls `dispatch(event, data)` once per complete event. Lines
 * end in LF, CR or CRLF; `:` lines are comments (the server's padding); `id` and `retry` are
 * ignored (dashwire resumes with `sub.since`, not `Last-Event-ID`).
 */
export class SseParser {
  private buffer = "";
  private event = "";
  private data: string | undefined = undefined;
  // UTF-8 split across chunks is held back by `stream: true`; the BOM is dropped by default.
  private readonly decoder = new TextDecoder();

  constructor(private readonly dispatch: (event: string, data: string) => void) {}

  /** Feeds one chunk of the response body. */
  push(chunk: Uint8Array): void {
    const buf = this.buffer + this.decoder.decode(chunk, { stream: true });
    let pos = 0;
    // Both searches are redone only once passed, so a chunk of many lines is scanned once.
    let lf = buf.indexOf("\n");
    let cr = buf.indexOf("\r");
    for (;;) {
      if (lf >= 0 && lf < pos) lf = buf.indexOf("\n", pos);
      if (cr >= 0 && cr < pos) cr = buf.indexOf("\r", pos);
      let end: number;
      let next: number;
      if (cr >= 0 && (lf < 0 || cr < lf)) {
        // A CR last in the chunk may be the first half of CRLF: wait for the next chunk.
        if (cr === buf.length - 1) break;
        end = cr;
        next = buf.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
      } else if (lf >= 0) {
        end = lf;
        next = lf + 1;
      } else break;
      this.line(buf, pos, end);
      pos = next;
    }
    this.buffer = pos === 0 ? buf : buf.slice(pos);
  }

  private line(buf: string, start: number, end: number): void {
    if (start === end) {
      const data = this.data;
      const event = this.event || "message";
      this.data = undefined;
      this.event = "";
      if (data !== undefined) this.dispatch(event, data);
      return;
    }
    if (buf.charCodeAt(start) === 58 /* ":" */) return;
    const colon = buf.indexOf(":", start);
    let field: string;
    let value: string;
    if (colon < 0 || colon >= end) {
      field = buf.slice(start, end);
      value = "";
    } else {
      field = buf.slice(start, colon);
      const from = buf.charCodeAt(colon + 1) === 32 /* " " */ ? colon + 2 : colon + 1;
      value = buf.slice(from, end);
    }
    if (field === "data") this.data = this.data === undefined ? value : `${this.data}\n${value}`;
    else if (field === "event") this.event = value;
  }
}
