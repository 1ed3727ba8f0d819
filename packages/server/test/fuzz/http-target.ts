import net from "node:net";
import type { HttpInput } from "./arbitraries.js";
import type { TestServer } from "./harness.js";
import { isKnownHttpCrasher } from "./known-crashers.js";
import { FuzzFailure } from "./protocol-target.js";

/**
 * Statuses the server's own HTTP routes (health, metrics, the SSE and long-polling transports,
 * the WebSocket upgrade) and Node's HTTP parser may answer with. A 500 means a handler failed:
 * that is a finding, not noise.
 */
export const ALLOWED_STATUSES: ReadonlySet<number> = new Set([
  101, 200, 204, 400, 403, 404, 405, 413, 414, 429, 431, 501, 503, 505,
]);

/** Counts of one HTTP fuzz run. */
export interface HttpStats {
  inputs: number;
  skippedKnown: number;
  /** Responses by status ("none" when the server closed without answering). */
  statuses: Record<string, number>;
  /** Binary bodies by status (issue 19). */
  binary: Record<string, number>;
}

/** How long to wait for an answer; SSE streams and 101s never end on their own. */
const ANSWER_MS = 1000;

/**
 * Sends raw HTTP/1.1 requests, well-formed or not, built byte by byte from fuzz inputs, and
 * checks the status of each answer. `$TID` in a target is replaced by the id of a live
 * long-polling transport, so `/send` and `/poll` reach a real session.
 */
export class HttpFuzzer {
  readonly stats: HttpStats = { inputs: 0, skippedKnown: 0, statuses: {}, binary: {} };
  private tid = "none";
  private tidUses = 0;
  /** Transport ids opened so far: one per 200 inputs that name `$TID`, and fuzzed opens. */
  private readonly opened: string[] = [];

  constructor(
    private readonly t: TestServer,
    private readonly skipKnown: boolean,
  ) {}

  /** Runs one request; throws `FuzzFailure` on a status outside the allowed set. */
  async run(input: HttpInput): Promise<void> {
    if (this.skipKnown && isKnownHttpCrasher(input)) {
      this.stats.skippedKnown++;
      return;
    }
    this.stats.inputs++;
    if (input.target.includes("$TID") && (this.tidUses++ % 200 === 0 || this.tid === "none"))
      this.tid = await this.openPolling();
    const raw = build(input, this.t.port, this.tid);
    const answer = await exchange(this.t.port, raw);
    // A fuzzed `POST /dashwire/poll` opened a transport too: closed by `finish`.
    const opened = /\{"tid":"([^"]+)"\}/.exec(answer)?.[1];
    if (opened !== undefined) this.opened.push(opened);
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
    const status = m === null ? "none" : (m[1] as string);
    this.stats.statuses[status] = (this.stats.statuses[status] ?? 0) + 1;
    // The transport is gone (closed for bad input): the next `$TID` input gets a live one.
    if (input.target.includes("$TID") && answer.includes("unknown or closed transport")) this.tid = "none";
    if (typeof input.body !== "string") this.stats.binary[status] = (this.stats.binary[status] ?? 0) + 1;
    if (status !== "none" && !ALLOWED_STATUSES.has(Number(status))) {
      const request = JSON.stringify(raw.subarray(0, 300).toString("latin1"));
      throw new FuzzFailure(`status ${status} for ${request}: ${answer.slice(0, 300)}`);
    }
  }

  /** Health still answers 200. */
  async checkHealth(): Promise<void> {
    const res = await fetch(`${this.t.http}/healthz`);
    if (res.status !== 200) throw new FuzzFailure(`healthz answered ${res.status}`);
    await res.arrayBuffer();
  }

  /**
   * Closes every transport the run opened and takes its last answer, as a client leaving does:
   * otherwise the server's drain waits `CLOSED_LINGER_MS` (5 s) for a closed transport's last
   * frames to be polled, and the run's close check (5 s) fails with no fault in the server.
   */
  async finish(): Promise<void> {
    for (const tid of this.opened.splice(0)) {
      await (await fetch(`${this.t.http}/dashwire/close?tid=${tid}`, { method: "POST" })).arrayBuffer();
      await (await fetch(`${this.t.http}/dashwire/poll?tid=${tid}`)).arrayBuffer();
    }
  }

  /** Opens a polling transport: every other one speaks msgpack (binary bodies, issue 19). */
  private async openPolling(): Promise<string> {
    const query = this.opened.length % 2 === 0 ? "" : "?codec=msgpack";
    const res = await fetch(`${this.t.http}/dashwire/poll${query}`, { method: "POST" });
    const body = (await res.json()) as { tid?: string };
    if (body.tid !== undefined) this.opened.push(body.tid);
    return body.tid ?? "none";
  }
}

/** The request bytes: request line, given headers, then Host/Content-Length/Connection if absent. */
function build(input: HttpInput, port: number, tid: string): Buffer {
  const target = input.target.replaceAll("$TID", tid);
  const names = new Set(input.headers.map(([n]) => n.toLowerCase()));
  let out = `${input.method} ${target} HTTP/1.1\r\n`;
  if (!names.has("host")) out += `host: 127.0.0.1:${port}\r\n`;
  for (const [name, value] of input.headers) out += `${name}: ${value}\r\n`;
  const body = Buffer.from(input.body);
  if (!names.has("content-length") && !names.has("transfer-encoding")) out += `content-length: ${body.length}\r\n`;
  if (!names.has("connection")) out += "connection: close\r\n";
  return Buffer.concat([Buffer.from(`${out}\r\n`), body]);
}

/** Writes `raw`, collects the answer until the server closes or `ANSWER_MS` passes. */
function exchange(port: number, raw: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString("latin1"));
    };
    const timer = setTimeout(done, ANSWER_MS);
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      // A streaming answer (SSE, 101) never ends: the status line is all we need.
      if (Buffer.concat(chunks).includes("\r\n\r\n")) setTimeout(done, 5);
    });
    socket.on("error", done);
    socket.on("close", done);
    socket.write(raw);
  });
}
