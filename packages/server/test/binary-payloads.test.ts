/**
 * Binary payloads (issue 19): the MessagePack codec negotiated per connection with `?codec=`,
 * typed arrays carried as bytes (no base64 on the wire), one encode per publication per codec,
 * and malformed binary frames answered without harm to the process. The HTTP transports' side
 * (SSE, long-polling) and the 4507 refusals are in binary-http.test.ts.
 */
import { msgpackCodec } from "@dashwire/client/msgpack";
import { type Codec, ErrorCode, jsonCodec } from "@dashwire/client/node";
import type { Frame, PublicationHead } from "@dashwire/protocol";
import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { client, endpoint, server, start } from "./transport-fixture.js";
import { until } from "./until.js";

/** A bare msgpack socket: records every frame's bytes and whether it was binary. */
async function rawMsgpack(query = "?codec=msgpack") {
  const ws = new WebSocket(endpoint() + query);
  const frames: { binary: boolean; bytes: Buffer }[] = [];
  const messages: Record<string, unknown>[] = [];
  let close: number | undefined;
  ws.on("message", (data: Buffer, binary) => {
    frames.push({ binary, bytes: data });
    if (binary) for (const m of msgpackCodec.decode(data)) messages.push(m as Record<string, unknown>);
  });
  ws.on("close", (code) => {
    close = code;
  });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  return {
    ws,
    frames,
    messages,
    get close() {
      return close;
    },
    send: (m: unknown) => ws.send(msgpackCodec.encode(m)),
  };
}

/** `codec` counting its `encodePublication` calls. */
function counting<F extends Frame>(codec: Codec<F>): Codec<F> & { calls: number } {
  const counted = {
    ...codec,
    calls: 0,
    encodePublication(head: PublicationHead, data: string): F {
      counted.calls++;
      return codec.encodePublication(head, data);
    },
  };
  return counted;
}

describe("binary payloads", () => {
  it("a Float64Array and a Uint8Array published arrive equal, in binary frames, without base64", async () => {
    await start();
    const raw = await rawMsgpack();
    raw.send({ t: "connect", v: 1 });
    raw.send({ t: "sub", id: 1, topic: "feed" });
    await until(() => raw.messages.some((m) => m.t === "ack" && m.id === 1));
    const series = new Float64Array([1.5, -2.25, Math.PI, 1e-300]);
    const bytes = new Uint8Array([0, 1, 2, 253, 254, 255]);
    await server.publish("feed", { series, bytes });
    await until(() => raw.messages.some((m) => m.t === "msg"));
    const msg = raw.messages.find((m) => m.t === "msg") as { d: { series: Float64Array; bytes: Uint8Array } };
    expect(msg.d.series).toBeInstanceOf(Float64Array);
    expect(msg.d.series).toEqual(series);
    expect(msg.d.bytes).toEqual(bytes);
    // Every frame the server sent is a binary frame; the publication's holds the raw IEEE-754
    // bytes of the series and not their base64 text.
    expect(raw.frames.every((f) => f.binary)).toBe(true);
    const frame = raw.frames.find((f) => f.bytes.includes(Buffer.from(series.buffer)));
    expect(frame).toBeDefined();
    expect(frame?.bytes.includes(Buffer.from(Buffer.from(series.buffer).toString("base64")))).toBe(false);
    raw.ws.close();
  });

  it("heartbeat pings and pong replies on a msgpack connection are binary msgpack too", async () => {
    await start({ pingIntervalMs: 100, pongTimeoutMs: 5000 });
    const raw = await rawMsgpack();
    raw.send({ t: "connect", v: 1 });
    await until(() => raw.messages.some((m) => m.t === "ping"), 10_000, "a server ping");
    raw.send({ t: "ping" });
    await until(() => raw.messages.some((m) => m.t === "pong"), 10_000, "a pong");
    // A JSON ping in a text frame would have been skipped by `rawMsgpack` and fail this.
    expect(raw.frames.every((f) => f.binary)).toBe(true);
    raw.ws.close();
  });

  it("the SDK with msgpackCodec publishes typed arrays and gets them back; a JSON client sees the tag", async () => {
    await start();
    const bin = client({ codec: msgpackCodec });
    const text = client();
    const binGot: unknown[] = [];
    const textGot: unknown[] = [];
    await bin.subscribe("chat", (d) => binGot.push(d)).ready;
    await text.subscribe("chat", (d) => textGot.push(d)).ready;
    const f32 = new Float32Array([0.5, 1.25]);
    await bin.publish("chat", { f32, n: 3 });
    await until(() => binGot.length === 1 && textGot.length === 1);
    expect(binGot[0]).toEqual({ f32, n: 3 });
    expect((binGot[0] as { f32: unknown }).f32).toBeInstanceOf(Float32Array);
    expect(textGot[0]).toEqual({ f32: { $bin: "f32", b64: Buffer.from(f32.buffer).toString("base64") }, n: 3 });
    expect([...server.clients()].map((s) => s.transport).sort()).toEqual(["websocket", "websocket"]);
  });

  it("encodes a publication once per codec in use, and not at all for a codec nobody uses", async () => {
    const json = counting(jsonCodec);
    const msgpack = counting(msgpackCodec);
    await start({ codec: json, codecs: [msgpack] });
    const got: number[] = [];
    const jsonClients = [client(), client(), client()];
    for (const c of jsonClients) await c.subscribe("feed", () => got.push(1)).ready;
    await server.publish("feed", 1);
    await until(() => got.length === 3);
    expect([json.calls, msgpack.calls]).toEqual([1, 0]);
    const binClients = [client({ codec: msgpack }), client({ codec: msgpack })];
    for (const c of binClients) await c.subscribe("feed", () => got.push(2)).ready;
    await server.publish("feed", 2);
    await until(() => got.length === 3 + 5);
    expect([json.calls, msgpack.calls]).toEqual([2, 1]);
  });

  it("a server whose default codec is binary serves it over WebSocket to clients that name none", async () => {
    await start({ codec: msgpackCodec, codecs: [] });
    const raw = await rawMsgpack("");
    raw.send({ t: "connect", v: 1 });
    await until(() => raw.messages.some((m) => m.t === "connected"));
    raw.ws.close();
  });

  it("a malformed or over-deep msgpack frame gets a coded error; the connection and the process go on", async () => {
    await start();
    const raw = await rawMsgpack();
    raw.send({ t: "connect", v: 1 });
    await until(() => raw.messages.some((m) => m.t === "connected"));
    raw.ws.send(Buffer.from([0xc1])); // never used in msgpack
    raw.ws.send(Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff])); // array32 of 4 billion, truncated
    raw.ws.send('{"t":"ping"}'); // a text frame on a binary connection
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    const { encode } = await import("@msgpack/msgpack");
    raw.ws.send(encode({ t: "evt", event: "x", data: deep }, { maxDepth: 200 }));
    await until(() => raw.messages.filter((m) => m.t === "err").length === 4);
    for (const m of raw.messages.filter((m) => m.t === "err")) expect(m.code).toBe(ErrorCode.BadFrame);
    raw.send({ t: "sub", id: 9, topic: "feed" });
    await until(() => raw.messages.some((m) => m.t === "ack" && m.id === 9));
    expect(raw.close).toBeUndefined();
    raw.ws.close();
  });
});
