import { CloseCode, ErrorCode } from "@dashwire/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ProcessWatch, startServer, type TestServer, watchProcess } from "./fuzz/harness.js";
import { RawClient } from "./raw-client.js";

/**
 * Frames are UTF-8 JSON. Bytes that are not UTF-8 must be refused, not decoded: decoding turns
 * every bad sequence into U+FFFD, so `"a\xff"` and `"a\xfe"` would reach handlers as the same
 * text (the dashboard stored them as one series). ws already refuses such text frames (1007);
 * binary frames and the HTTP transports' `send` were decoded with replacement.
 */

let t: TestServer;
let watch: ProcessWatch;
const seen: unknown[] = [];
const clients: RawClient[] = [];

beforeEach(async () => {
  watch = watchProcess();
  seen.length = 0;
  t = await startServer();
  t.server.on("echo", (d: unknown) => {
    seen.push(d);
    return d;
  });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await t.server.close();
  watch.stop();
  expect(watch.failures).toEqual([]);
});

/** `{"t":"evt","id":<id>,"event":"echo","data":"a<byte>"}` with `byte` as a raw byte. */
const echoFrame = (id: number, byte: number) =>
  Buffer.concat([
    Buffer.from(`{"t":"evt","id":${id},"event":"echo","data":"a`),
    Buffer.from([byte]),
    Buffer.from('"}'),
  ]);

describe("frames that are not UTF-8", () => {
  it("closes a WebSocket that sends one in a binary frame with 1007, before any handler sees it", async () => {
    const bystander = await RawClient.connect(t.url);
    clients.push(bystander);
    for (const byte of [0xff, 0xfe, 0xc3]) {
      const c = await RawClient.connect(t.url);
      clients.push(c);
      c.ws.send(echoFrame(1, byte), { binary: true });
      expect(await c.closed()).toBe(CloseCode.InvalidPayload);
      expect(c.closeReason).toBe("frame is not valid UTF-8");
    }
    expect(seen).toEqual([]);
    // Valid UTF-8 in a binary frame is still read, and the bystander is served.
    const ok = await RawClient.connect(t.url);
    clients.push(ok);
    ok.ws.send(Buffer.from('{"t":"evt","id":2,"event":"echo","data":"é"}'), { binary: true });
    expect(await ok.next((m) => m.t === "ack" && m.id === 2)).toMatchObject({ data: "é" });
    expect(await bystander.request({ t: "evt", event: "echo", data: "still here" }, 3)).toMatchObject({
      data: "still here",
    });
  });

  it("answers an HTTP transport's send of one with 400 BadFrame and delivers nothing", async () => {
    const base = `${t.http}/dashwire`;
    const { tid } = (await (await fetch(`${base}/poll`, { method: "POST" })).json()) as { tid: string };
    const send = (body: ReturnType<typeof echoFrame> | string) =>
      fetch(`${base}/send?tid=${tid}`, { method: "POST", body, headers: { "content-type": "text/plain" } });
    expect((await send(JSON.stringify({ t: "connect", v: 1 }))).status).toBe(204);
    const bad = await send(echoFrame(1, 0xff));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: number } }).error.code).toBe(ErrorCode.BadFrame);
    expect((await send(JSON.stringify({ t: "evt", id: 2, event: "echo", data: "é" }))).status).toBe(204);
    // The poll carries the good event's ack and nothing for the refused frame.
    const acks: Record<string, unknown>[] = [];
    for (let i = 0; i < 5 && !acks.some((m) => m.id === 2); i++) {
      const text = await (await fetch(`${base}/poll?tid=${tid}`)).text();
      for (const line of text.split("\n").filter((l) => l !== "")) {
        const v = JSON.parse(line) as Record<string, unknown> | Record<string, unknown>[];
        acks.push(...(Array.isArray(v) ? v : [v]).filter((m) => m.t === "ack"));
      }
    }
    expect(acks).toEqual([{ t: "ack", id: 2, data: "é" }]);
    expect(seen).toEqual(["é"]);
    // Close with a poll held, so the client learns "going away" at once (no drain wait).
    const held = fetch(`${base}/poll?tid=${tid}`);
    await t.server.close();
    expect((await held).status).toBe(200);
  });
});
