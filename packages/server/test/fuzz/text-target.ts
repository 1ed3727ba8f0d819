import { CloseCode, MAX_CLOSE_REASON_BYTES, MAX_ERROR_MESSAGE_BYTES } from "@dashwire/protocol";
import fc from "fast-check";
import { RawClient } from "../raw-client.js";
import { FUZZ_APP_CODE } from "./arbitraries.js";
import type { TestServer } from "./harness.js";
import { FuzzFailure } from "./protocol-target.js";

/**
 * Fuzz target for text that reaches byte-limited fields (issue 12 item 1): client-chosen text
 * sent where the server quotes it (a JWT header's `alg`, a token, connect middleware refusals,
 * handler errors, `client.disconnect` reasons), over WebSocket and long-polling. Every answer must
 * keep the limits: a close reason and its `disconnect` twin within 123 bytes, an error message
 * within 1024, each a prefix of the text on a character boundary; internal errors never echo it.
 */

/** Where the text goes. */
export type TextPath = "jwt-alg" | "jwt-token" | "reject" | "crash" | "error-reply" | "kick" | "poll-reject";

/** One input of the text target. */
export interface TextInput {
  path: TextPath;
  text: string;
}

const ASCII = ["a", "Z", "0", " ", '"', "\\", "/", "{"];
const TWO = ["é", "ß", "ж", "ñ"];
const THREE = ["€", "中", "\u2028", "\ufffd", "\uffff"];
const FOUR = ["😀", "𝄞", "\u{10ffff}"];
const CONTROL = ["\u0000", "\u0001", "\n", "\r", "\t", "\u001f", "\u007f", "\u0085"];
const LONE = ["\ud800", "\udbff", "\udc00", "\udfff"];

/** One character of a chosen UTF-8 width (or a control character, or a lone surrogate). */
const charArb = fc.oneof(
  fc.constantFrom(...ASCII),
  fc.constantFrom(...TWO),
  fc.constantFrom(...THREE),
  fc.constantFrom(...FOUR),
  fc.constantFrom(...CONTROL),
  fc.constantFrom(...LONE),
);

/** Text whose UTF-8 length lands within a few bytes of `limit`, from a mix of character widths. */
function aroundArb(limit: number): fc.Arbitrary<string> {
  return fc
    .tuple(fc.array(charArb, { minLength: 1, maxLength: 6 }), fc.integer({ min: -4, max: 4 }), fc.nat())
    .map(([chars, delta, seed]) => {
      const target = Math.max(0, limit + delta);
      let text = "";
      let bytes = 0;
      for (let i = seed; bytes < target; i++) {
        const c = chars[i % chars.length] as string;
        text += c;
        bytes += Buffer.byteLength(c);
      }
      return text;
    });
}

/** Text around every limit (20-byte alg quote, 123, 1024) and beyond, plus free-form Unicode. */
export const boundedTextArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: aroundArb(MAX_CLOSE_REASON_BYTES) },
  { weight: 2, arbitrary: aroundArb(MAX_ERROR_MESSAGE_BYTES) },
  { weight: 1, arbitrary: aroundArb(20) },
  { weight: 1, arbitrary: aroundArb(62 * 2) },
  { weight: 1, arbitrary: aroundArb(5000) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 100 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...CONTROL, ...LONE), maxLength: 130 }) },
);

/** Inputs of the text target. */
export const textInputArb: fc.Arbitrary<TextInput> = fc.record({
  path: fc.constantFrom<TextPath>("jwt-alg", "jwt-token", "reject", "crash", "error-reply", "kick", "poll-reject"),
  text: boundedTextArb,
});

/** Counts of one text fuzz run. */
export interface TextStats {
  inputs: number;
  byPath: Record<string, number>;
  /** Answers whose text had to be cut to fit. */
  cut: number;
}

/** The text as it comes out of a UTF-8 round trip (a lone surrogate becomes U+FFFD). */
const utf8 = (s: string) => Buffer.from(s).toString();
const bytes = (s: string) => Buffer.byteLength(s);

/** Checks that `got` is `sent` cut on a character boundary within `max` bytes. */
function checkCut(what: string, sent: string, got: unknown, max: number, stats: TextStats): void {
  if (typeof got !== "string") throw new FuzzFailure(`${what}: not a string: ${JSON.stringify(got)}`);
  if (bytes(got) > max) throw new FuzzFailure(`${what}: ${bytes(got)} bytes, limit ${max}`);
  if (!utf8(sent).startsWith(utf8(got))) throw new FuzzFailure(`${what}: not a prefix of the text sent`);
  if (got.length < sent.length) {
    stats.cut++;
    // The longest prefix that fits: one more character would not.
    const next = sent.slice(0, got.length + (isHighSurrogatePair(sent, got.length) ? 2 : 1));
    if (bytes(next) <= max) throw new FuzzFailure(`${what}: cut shorter than it had to be`);
  }
}

function isHighSurrogatePair(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
}

/** Sends text inputs to a live fuzz server (`startFuzzServer`) and checks what comes back. */
export class TextFuzzer {
  readonly stats: TextStats = { inputs: 0, byPath: {}, cut: 0 };
  private conn: RawClient | undefined;
  private id = 0;

  constructor(private readonly t: TestServer) {}

  /** Runs one input; throws `FuzzFailure` when an answer breaks a limit. */
  async run(input: TextInput): Promise<void> {
    this.stats.inputs++;
    this.stats.byPath[input.path] = (this.stats.byPath[input.path] ?? 0) + 1;
    const { text } = input;
    switch (input.path) {
      case "jwt-alg": {
        const header = Buffer.from(JSON.stringify({ alg: text, typ: "JWT" })).toString("base64url");
        await this.refused({ token: `${header}.e30.c2ln` }, CloseCode.Unauthorized);
        return;
      }
      case "jwt-token":
        // An empty token connects anonymously (the fuzz server's jwtAuth is optional).
        await this.refused({ token: text }, CloseCode.Unauthorized, undefined, text === "");
        return;
      case "reject":
        await this.refused({ data: { reject: text } }, CloseCode.Rejected, text);
        return;
      case "crash": {
        const d = await this.refused({ data: { crash: text } }, CloseCode.ServerBusy);
        if (d !== "internal error") throw new FuzzFailure(`an internal error leaked its text: ${JSON.stringify(d)}`);
        return;
      }
      case "error-reply": {
        const c = await this.connected();
        const id = ++this.id;
        const reply = await c.request({ t: "evt", event: "reject", data: text }, id);
        const error = reply.error as { code?: unknown; message?: unknown } | undefined;
        if (error?.code !== FUZZ_APP_CODE)
          throw new FuzzFailure(`error reply without its code: ${JSON.stringify(reply)}`);
        checkCut("error message", text, error.message, MAX_ERROR_MESSAGE_BYTES, this.stats);
        return;
      }
      case "kick": {
        const c = await this.connected();
        this.conn = undefined;
        c.send({ t: "evt", event: "kick", data: text });
        const code = await c.closed();
        if (code !== 4007) throw new FuzzFailure(`kick closed with ${code}`);
        this.checkClose(c, text);
        return;
      }
      case "poll-reject":
        await this.pollRefused(text);
        return;
    }
  }

  /** Closes the fuzzer's socket. */
  close(): void {
    this.conn?.close();
  }

  private async connected(): Promise<RawClient> {
    if (this.conn === undefined || this.conn.closeCode !== undefined) {
      this.conn?.close();
      this.conn = await RawClient.connect(this.t.url);
    }
    return this.conn;
  }

  /**
   * Connects with `connect` fields and expects a close with `code` (or, with `mayConnect`, a
   * `connected`); returns the close reason.
   */
  private async refused(
    fields: Record<string, unknown>,
    code: number,
    echoed?: string,
    mayConnect = false,
  ): Promise<string> {
    const c = await RawClient.open(this.t.url);
    try {
      c.send({ t: "connect", v: 1, ...fields });
      if (mayConnect) {
        await c.next((m) => m.t === "connected", 5000);
        return "";
      }
      const got = await c.closed(5000);
      if (got !== code) throw new FuzzFailure(`closed with ${got} (${c.closeReason}), wanted ${code}`);
      this.checkClose(c, echoed);
      return c.closeReason;
    } finally {
      c.close();
    }
  }

  /** The close reason and the `disconnect` reason: the same, within 123 bytes, a cut of `echoed`. */
  private checkClose(c: RawClient, echoed: string | undefined): void {
    const reason = c.closeReason;
    if (bytes(reason) > MAX_CLOSE_REASON_BYTES) throw new FuzzFailure(`close reason of ${bytes(reason)} bytes`);
    const d = c.messages.find((m) => m.t === "disconnect");
    if (d === undefined) throw new FuzzFailure("closed without a disconnect message");
    if (utf8(d.reason as string) !== reason) throw new FuzzFailure("disconnect reason differs from the close reason");
    if (echoed !== undefined) checkCut("close reason", echoed, d.reason, MAX_CLOSE_REASON_BYTES, this.stats);
  }

  /** Long-polling: a refused connect's `disconnect` arrives in a poll body, cut the same way. */
  private async pollRefused(text: string): Promise<void> {
    const base = `${this.t.http}/dashwire`;
    const { tid } = (await (await fetch(`${base}/poll`, { method: "POST" })).json()) as { tid: string };
    const send = await fetch(`${base}/send?tid=${tid}`, {
      method: "POST",
      body: JSON.stringify({ t: "connect", v: 1, data: { reject: text } }),
    });
    if (send.status !== 204) throw new FuzzFailure(`send answered ${send.status}`);
    let body = "";
    for (let i = 0; i < 5 && !body.includes('"disconnect"'); i++) {
      const res = await fetch(`${base}/poll?tid=${tid}`);
      if (res.status !== 200) break;
      body += `${await res.text()}\n`;
    }
    const frame = body.split("\n").find((f) => f.includes('"disconnect"'));
    if (frame === undefined) throw new FuzzFailure(`no disconnect in the polls: ${body.slice(0, 200)}`);
    const value = JSON.parse(frame) as Record<string, unknown> | Record<string, unknown>[];
    const d = (Array.isArray(value) ? value : [value]).find((m) => m.t === "disconnect");
    if (d?.code !== CloseCode.Rejected) throw new FuzzFailure(`poll disconnect: ${frame.slice(0, 200)}`);
    checkCut("poll disconnect reason", text, d.reason, MAX_CLOSE_REASON_BYTES, this.stats);
  }
}
