import { CloseCode, DashwireError, ErrorCode } from "@dashwire/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ProcessWatch, startServer, type TestServer, watchProcess } from "./fuzz/harness.js";
import { RawClient } from "./raw-client.js";

/**
 * Text from outside (or derived from it) that reaches a byte-limited field is cut by UTF-8
 * bytes on a character boundary (issue 12 item 1): close reasons and `disconnect` reasons (123
 * bytes), error replies and HTTP error bodies (1024 bytes).
 */

const bytes = (s: string) => Buffer.byteLength(s);
const APP_CODE = 10_001;

let t: TestServer | undefined;
let watch: ProcessWatch;
const clients: RawClient[] = [];

beforeEach(() => {
  watch = watchProcess();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await t?.server.close();
  t = undefined;
  watch.stop();
});

/** A server whose connect middleware refuses with `connect.data.reject`, and whose handlers echo text into errors. */
async function textServer(): Promise<TestServer> {
  const s = await startServer();
  s.server.useConnect((ctx) => {
    const reject = (ctx.data as { reject?: unknown } | undefined)?.reject;
    if (typeof reject === "string") throw new DashwireError(APP_CODE, reject);
  });
  s.server.on("reject", (d: string) => {
    throw new DashwireError(APP_CODE, d);
  });
  s.server.on("kick", (d: string, ctx) => {
    ctx.client.disconnect(4007, d);
  });
  return s;
}

/** Texts around the 123-byte limit in every UTF-8 width, plus control characters and lone surrogates. */
const AROUND_123 = [
  "é".repeat(62), // 124 bytes: the case
  "é".repeat(61) + "x", // 123 bytes: fits exactly
  "x".repeat(122) + "é", // 124: the last character straddles the limit
  "€".repeat(41) + "x", // 124
  "😀".repeat(31), // 124: a surrogate pair across the limit
  "x".repeat(121) + "😀", // 125
  "\u0000\u0001\u001f".repeat(50), // control characters, 150 bytes
  "\ud800".repeat(42), // lone surrogates: 3 bytes each once encoded
  "x".repeat(5000),
];

describe("close reasons are cut to 123 bytes on a character boundary", () => {
  it.each(AROUND_123.map((text) => [bytes(text), text]))(
    "connect middleware refusing with %i bytes: close 4504, the same cut in `disconnect`",
    async (_n, text) => {
      t = await textServer();
      const c = await RawClient.open(t.url);
      clients.push(c);
      c.send({ t: "connect", v: 1, data: { reject: text } });
      expect(await c.closed()).toBe(CloseCode.Rejected);
      expect(bytes(c.closeReason)).toBeLessThanOrEqual(123);
      // The close frame carries UTF-8: a lone surrogate arrives as U+FFFD (JSON keeps it).
      const sent = Buffer.from(text).toString();
      expect(sent.startsWith(c.closeReason)).toBe(true);
      const d = c.messages.find((m) => m.t === "disconnect");
      expect(Buffer.from(d?.reason as string).toString()).toBe(c.closeReason);
      expect(bytes(d?.reason as string)).toBeLessThanOrEqual(123);
      expect(watch.failures).toEqual([]);
    },
  );

  it("cuts 62 two-byte characters to 61, not to half a character", async () => {
    t = await textServer();
    const c = await RawClient.open(t.url);
    clients.push(c);
    c.send({ t: "connect", v: 1, data: { reject: "é".repeat(62) } });
    await c.closed();
    expect(c.closeReason).toBe("é".repeat(61));
  });

  it("cuts a disconnect reason given by server code (`client.disconnect`)", async () => {
    t = await textServer();
    const c = await RawClient.connect(t.url);
    clients.push(c);
    c.send({ t: "evt", event: "kick", id: 1, data: "😀".repeat(40) });
    expect(await c.closed()).toBe(4007);
    expect(c.closeReason).toBe("😀".repeat(30));
    expect(c.messages.find((m) => m.t === "disconnect")?.reason).toBe("😀".repeat(30));
    expect(watch.failures).toEqual([]);
  });

  it("refuses a close code a close frame cannot carry: RangeError to the caller, connection open", async () => {
    t = await textServer();
    t.server.on("bad-close", (_d, ctx) => {
      ctx.client.disconnect(1006, "no");
    });
    const c = await RawClient.connect(t.url);
    clients.push(c);
    const reply = await c.request({ t: "evt", event: "bad-close" }, 1);
    expect((reply.error as { code: number }).code).toBe(ErrorCode.Internal);
    expect((await c.request({ t: "presence", topic: "x" }, 2)).t).toBe("ack");
    expect(c.closeCode).toBeUndefined();
  });
});

describe("error replies are cut to 1024 bytes", () => {
  it("cuts an application error message quoting client text, keeping its code", async () => {
    t = await textServer();
    const c = await RawClient.connect(t.url);
    clients.push(c);
    const reply = await c.request({ t: "evt", event: "reject", data: "€".repeat(400) }, 1);
    const error = reply.error as { code: number; message: string };
    expect(error.code).toBe(APP_CODE);
    expect(error.message).toBe("€".repeat(341));
    expect(bytes(error.message)).toBeLessThanOrEqual(1024);
  });

  it("sends a short message unchanged", async () => {
    t = await textServer();
    const c = await RawClient.connect(t.url);
    clients.push(c);
    const reply = await c.request({ t: "evt", event: "reject", data: "nope é" }, 1);
    expect(reply.error).toEqual({ code: APP_CODE, message: "nope é" });
  });
});

describe("HTTP transports", () => {
  it("a long-polling client refused by middleware gets the same cut reason in its disconnect", async () => {
    t = await textServer();
    const open = await fetch(`${t.http}/dashwire/poll`, { method: "POST" });
    const { tid } = (await open.json()) as { tid: string };
    const send = await fetch(`${t.http}/dashwire/send?tid=${tid}`, {
      method: "POST",
      body: JSON.stringify({ t: "connect", v: 1, data: { reject: "é".repeat(62) } }),
    });
    expect(send.status).toBe(204);
    let body = "";
    while (!body.includes("disconnect")) body += await (await fetch(`${t.http}/dashwire/poll?tid=${tid}`)).text();
    const d = JSON.parse(body.split("\n").find((f) => f.includes("disconnect")) as string);
    expect(d).toMatchObject({ t: "disconnect", code: CloseCode.Rejected, reason: "é".repeat(61) });
    expect(watch.failures).toEqual([]);
  });
});
