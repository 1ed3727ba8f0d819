/**
 * The transport contract: the same cases run over every transport the server registers
 * (`serverTransports`: "websocket", "sse" and "polling", forced with `options.transports`), each
 * with the JSON codec and with the MessagePack codec (binary frames: WebSocket binary frames,
 * base64 SSE events, binary poll and POST bodies; issue 19), with the real client and the real
 * server on port 0. The server speaks both codecs in every run. Fallback, upgrade
 * and closing are in transport-fallback.test.ts.
 */
import { msgpackCodec } from "@dashwire/client/msgpack";
import { CloseCode, jsonCodec, type TransportName } from "@dashwire/client/node";
import { DashwireError } from "@dashwire/server";
import { describe, expect, it } from "vitest";
import { serverTransports } from "../src/transport/transport-registry.js";
import { client, faultProxy, publishThroughCuts, server, sleep, start } from "./transport-fixture.js";
import { until } from "./until.js";

/** Every transport of the server's registry with JSON, then each with MessagePack. */
const names = Object.keys(serverTransports) as TransportName[];
const runs = [...names.map((name) => [name, "json"] as const), ...names.map((name) => [name, "msgpack"] as const)];

describe.each(runs)("transport contract: %s, codec %s", (name, codecName) => {
  const codec = codecName === "msgpack" ? msgpackCodec : jsonCodec;
  const forced = { transports: [name] as TransportName[], codec };

  it("connects over the forced transport and tells which one", async () => {
    await start();
    const c = client(forced);
    const announced: [string, string | undefined][] = [];
    c.on("transport", (t, prev) => announced.push([t, prev]));
    await until(() => c.state === "connected");
    expect(c.transport).toBe(name);
    expect(announced).toEqual([[name, undefined]]);
    expect([...server.clients()].map((s) => s.transport)).toEqual([name]);
  });

  it("carries the token to connect middleware, and its refusal as a terminal close", async () => {
    await start();
    server.useConnect((ctx) => {
      if (ctx.token !== "good") throw new DashwireError(2000, "bad token");
      ctx.user = { id: "ann" };
    });
    const ok = client({ ...forced, token: "good" });
    await until(() => ok.state === "connected");
    expect([...server.clients()].map((s) => s.user?.id)).toEqual(["ann"]);
    const bad = client({ ...forced, token: "nope" });
    const states: [string, number, string][] = [];
    bad.on("state", (st, r) => states.push([st, r.code, r.reason]));
    await until(() => bad.state === "disconnected");
    expect(states).toEqual([
      ["connecting", CloseCode.Normal, "connecting"],
      ["disconnected", CloseCode.Unauthorized, "bad token"],
    ]);
  });

  it("subscribes, receives publications, publishes and gets acks and coded errors", async () => {
    await start();
    const c = client(forced);
    const feed: unknown[] = [];
    const chat: unknown[] = [];
    await c.subscribe("feed", (d) => feed.push(d)).ready;
    await c.subscribe("chat", (d) => chat.push(d)).ready;
    await server.publish("feed", { n: 1 });
    expect(await c.emit("add", { a: 20, b: 22 })).toBe(42);
    await expect(c.emit("missing", null)).rejects.toMatchObject({ code: 1005 });
    const pos = await c.publish("chat", { text: "hi" });
    expect(pos).toMatchObject({ epoch: expect.any(String), offset: 1 });
    await expect(c.publish("feed", 1)).rejects.toMatchObject({ code: 2003 });
    await until(() => feed.length === 1 && chat.length === 1);
    expect(feed).toEqual([{ n: 1 }]);
    expect(chat).toEqual([{ text: "hi" }]);
  });

  it("keeps order: 500 publications arrive once each, in order", async () => {
    await start();
    const c = client(forced);
    const got: number[] = [];
    await c.subscribe("feed", (d) => got.push(d as number)).ready;
    for (let i = 0; i < 500; i++) {
      void server.publish("feed", i);
      if (i % 7 === 0) await new Promise((r) => setImmediate(r));
    }
    await until(() => got.length >= 500);
    await sleep(50);
    expect(got).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it("carries frames of every length class intact, multi-byte UTF-8 included", async () => {
    await start();
    const c = client(forced);
    const got: string[] = [];
    await c.subscribe("feed", (d) => got.push(d as string)).ready;
    // WebSocket frames encode their length in 7 bits, 16 bits or 64 bits (RFC 6455 §5.2); the
    // boundaries sit at 126 and 65,536 bytes of payload, and "é" is two bytes, "€" three.
    const texts = [10, 100, 200, 70_000].flatMap((n) => ["a".repeat(n), "é€".repeat(Math.ceil(n / 5))]);
    for (const text of texts) {
      await server.publish("feed", text);
      // One publication per frame: each length class gets its own frame header.
      await sleep(5);
    }
    await until(() => got.length === texts.length);
    expect(got).toEqual(texts);
  });

  it("batches: many messages per frame down, requests batched up", async () => {
    await start();
    const c = client(forced);
    const got: number[] = [];
    await c.subscribe("feed", (d) => got.push(d as number)).ready;
    const framesOut = server.stats.framesOut;
    // One turn of publications leaves in one frame (or one poll response).
    await Promise.all(Array.from({ length: 300 }, (_, i) => server.publish("feed", i)));
    await until(() => got.length === 300);
    expect(server.stats.framesOut - framesOut).toBeLessThanOrEqual(3);
    // Requests made over 30 turns: one frame per turn at most; behind a POST in flight, fewer.
    const framesIn = server.stats.framesIn;
    const replies: Promise<number>[] = [];
    for (let turn = 0; turn < 30; turn++) {
      for (let i = 0; i < 10; i++) replies.push(c.emit("add", { a: turn, b: i }) as Promise<number>);
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(replies)).toEqual(Array.from({ length: 300 }, (_, k) => Math.floor(k / 10) + (k % 10)));
    const frames = server.stats.framesIn - framesIn;
    expect(frames).toBeLessThanOrEqual(30);
    if (name !== "websocket") expect(frames).toBeLessThan(30);
  });

  it("heartbeat: the server closes a client whose messages stop arriving", async () => {
    await start({ pingIntervalMs: 200, pongTimeoutMs: 200 });
    const [proxy, url] = await faultProxy();
    const c = client(forced, url);
    const states: [string, number][] = [];
    c.on("state", (s, r) => states.push([s, r.code]));
    await until(() => c.state === "connected");
    proxy.hold("up", true);
    await until(() => server.stats.closes.get(CloseCode.HeartbeatTimeout) === 1, 3000, "server heartbeat close");
    await until(() => states.some(([s, code]) => s === "connecting" && code === CloseCode.HeartbeatTimeout));
    proxy.hold("up", false);
    await until(() => c.state === "connected", 5000, "reconnect");
  });

  it("heartbeat: the client drops a server it stops hearing from", async () => {
    await start({ pingIntervalMs: 200, pongTimeoutMs: 200 });
    const [proxy, url] = await faultProxy();
    const c = client(forced, url);
    const states: [string, number, string][] = [];
    c.on("state", (s, r) => states.push([s, r.code, r.reason]));
    await until(() => c.state === "connected");
    const t0 = Date.now();
    proxy.hold("down", true);
    await until(() => c.state === "connecting", 3000, "client heartbeat drop");
    // The server's own `disconnect` cannot get through: the client decided by itself.
    expect(states.at(-1)).toEqual([
      "connecting",
      CloseCode.HeartbeatTimeout,
      expect.stringMatching(/nothing from the server/),
    ]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    proxy.hold("down", false);
    await until(() => c.state === "connected", 5000, "reconnect");
  });

  it("server-side close with a terminal code reaches the client, which does not reconnect", async () => {
    await start();
    const c = client(forced);
    await until(() => c.state === "connected");
    const states: [string, number, string][] = [];
    c.on("state", (s, r) => states.push([s, r.code, r.reason]));
    for (const s of server.clients()) s.disconnect(CloseCode.Unauthorized, "banned");
    await until(() => c.state === "disconnected");
    expect(states).toEqual([["disconnected", CloseCode.Unauthorized, "banned"]]);
    await sleep(300);
    expect(server.stats.connectionsTotal).toBe(1);
    await expect(c.emit("add", { a: 1, b: 1 })).rejects.toMatchObject({ code: 4003 });
  });

  it("server-side close with a retryable code: the client comes back over the same transport", async () => {
    await start();
    const c = client(forced);
    await until(() => c.state === "connected");
    const states: [string, number][] = [];
    c.on("state", (s, r) => states.push([s, r.code]));
    for (const s of server.clients()) s.disconnect(CloseCode.ServerBusy, "busy");
    await until(() => states.length === 2);
    expect(states).toEqual([
      ["connecting", CloseCode.ServerBusy],
      ["connected", CloseCode.Normal],
    ]);
    expect(c.transport).toBe(name);
  });

  it("resumes after the transport is killed mid-stream: every offset exactly once, in order", async () => {
    await start();
    const [proxy, url] = await faultProxy();
    const c = client(forced, url);
    const offsets: number[] = [];
    const recovered: boolean[] = [];
    const sub = c.subscribe("feed", (_d, pub) => offsets.push(pub.offset));
    sub.on("subscribed", (r) => recovered.push(r.recovered));
    await sub.ready;
    const total = 600;
    // Kill the transport twice while publications flow, each time once it carries them again.
    const cuts = await publishThroughCuts("feed", total, [100, 350], proxy, c, () => offsets.length);
    await until(() => offsets.length >= total, 10_000, `${total} deliveries (got ${offsets.length})`);
    await sleep(50);
    expect(cuts).toBe(2);
    expect(offsets).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(recovered).toEqual([false, true, true]);
  });
});
