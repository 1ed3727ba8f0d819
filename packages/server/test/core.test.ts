import { CloseCode, ErrorCode } from "@dashwire/protocol";
import { createServer, DashwireError, type DashwireServer } from "@dashwire/server";
import { afterEach, describe, expect, it } from "vitest";
import { RawClient } from "./raw-client.js";

let server: DashwireServer;
let url: string;
const clients: RawClient[] = [];

async function start(options: Parameters<typeof createServer>[0] = {}): Promise<void> {
  server = createServer({ logLevel: "silent", ...options });
  const { port } = await server.listen(0, "127.0.0.1");
  url = `ws://127.0.0.1:${port}/dashwire`;
}

async function client(connect: Record<string, unknown> = {}): Promise<RawClient> {
  const c = await RawClient.connect(url, connect);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
});

describe("handshake", () => {
  it("answers connect with session, heartbeat and limits", async () => {
    await start({ pingIntervalMs: 1234, pongTimeoutMs: 567 });
    const c = await client();
    const connected = c.messages.find((m) => m.t === "connected")!;
    expect(connected).toMatchObject({ v: 1, ping: 1234, pong: 567 });
    expect(typeof connected.session).toBe("string");
    expect(connected.limits).toMatchObject({ maxSubscriptions: 1000 });
  });

  it("refuses an unsupported protocol version with a terminal close code", async () => {
    await start();
    const c = await RawClient.open(url);
    clients.push(c);
    c.send({ t: "connect", v: 99 });
    expect(await c.closed()).toBe(CloseCode.UnsupportedVersion);
    expect(c.messages.at(-1)).toMatchObject({ t: "disconnect", code: CloseCode.UnsupportedVersion, reconnect: false });
  });

  it("lets connect middleware refuse with a coded close", async () => {
    await start();
    server.useConnect((ctx) => {
      if (ctx.token !== "good") throw new DashwireError(ErrorCode.Unauthorized, "bad token");
      ctx.user = { id: "u1" };
    });
    const ok = await client({ token: "good" });
    expect(ok.messages.some((m) => m.t === "connected")).toBe(true);
    const bad = await RawClient.open(url);
    clients.push(bad);
    bad.send({ t: "connect", v: 1, token: "nope" });
    expect(await bad.closed()).toBe(CloseCode.Unauthorized);
    expect(bad.messages.at(-1)).toMatchObject({ t: "disconnect", reason: "bad token", reconnect: false });
  });

  it("closes a socket that never sends connect", async () => {
    await start({ handshakeTimeoutMs: 100 });
    const c = await RawClient.open(url);
    clients.push(c);
    expect(await c.closed()).toBe(CloseCode.HandshakeTimeout);
  });
});

describe("events with acks", () => {
  it("replies with the handler's return value, sync or async, and coded errors", async () => {
    await start();
    server.on("add", (d: { a: number; b: number }) => d.a + d.b);
    server.on("slow", async (d: number) => {
      await new Promise((r) => setTimeout(r, 20));
      return d * 2;
    });
    server.on("fail", () => {
      throw new DashwireError(10001, "nope", { why: "test" });
    });
    server.on("crash", () => {
      throw new Error("secret internals");
    });
    const c = await client();
    expect(await c.request({ t: "evt", event: "add", data: { a: 2, b: 3 } }, 1)).toEqual({ t: "ack", id: 1, data: 5 });
    expect(await c.request({ t: "evt", event: "slow", data: 21 }, 2)).toEqual({ t: "ack", id: 2, data: 42 });
    expect(await c.request({ t: "evt", event: "fail" }, 3)).toEqual({
      t: "ack",
      id: 3,
      error: { code: 10001, message: "nope", details: { why: "test" } },
    });
    expect(await c.request({ t: "evt", event: "crash" }, 4)).toEqual({
      t: "ack",
      id: 4,
      error: { code: ErrorCode.Internal, message: "internal error" },
    });
    expect((await c.request({ t: "evt", event: "missing" }, 5)).error).toMatchObject({ code: ErrorCode.UnknownEvent });
  });

  it("routes namespaces to their own handlers and middleware", async () => {
    await start();
    server.on("who", () => "default");
    const admin = server.namespace("admin");
    admin.use(async (ctx, next) => {
      if (ctx.client.user?.id !== "root") throw new DashwireError(ErrorCode.Forbidden, "admins only");
      return next();
    });
    admin.on("who", () => "admin");
    server.useConnect((ctx) => {
      ctx.user = { id: String(ctx.data) };
    });
    const root = await client({ data: "root" });
    const guest = await client({ data: "guest" });
    expect((await root.request({ t: "evt", event: "who" }, 1)).data).toBe("default");
    expect((await root.request({ t: "evt", ns: "admin", event: "who" }, 2)).data).toBe("admin");
    expect((await guest.request({ t: "evt", ns: "admin", event: "who" }, 3)).error).toMatchObject({
      code: ErrorCode.Forbidden,
    });
  });
});

describe("topics", () => {
  it("fans a publication out to every subscriber, in order, with offsets", async () => {
    await start();
    server.topic("room:*", { clientPublish: true });
    const a = await client();
    const b = await client();
    for (const c of [a, b])
      expect((await c.request({ t: "sub", topic: "room:1" }, 1)).data).toMatchObject({ offset: 0 });
    for (let i = 0; i < 5; i++) a.send({ t: "pub", topic: "room:1", data: { i } });
    for (const c of [a, b]) {
      await c.next((m) => m.t === "msg" && (m.d as { i: number }).i === 4);
      const msgs = c.messages.filter((m) => m.t === "msg");
      expect(msgs.map((m) => m.o)).toEqual([1, 2, 3, 4, 5]);
      expect(msgs.map((m) => (m.d as { i: number }).i)).toEqual([0, 1, 2, 3, 4]);
    }
  });

  it("refuses client publish where the topic does not allow it", async () => {
    await start();
    const c = await client();
    expect((await c.request({ t: "pub", topic: "locked", data: 1 }, 1)).error).toMatchObject({
      code: ErrorCode.Forbidden,
    });
  });

  it("batches: 50 publications in one turn reach a client in fewer frames, complete and in order", async () => {
    await start();
    const c = await client();
    await c.request({ t: "sub", topic: "burst" }, 1);
    const framesBefore = c.frames;
    for (let i = 0; i < 50; i++) void server.publish("burst", i);
    await c.next((m) => m.t === "msg" && m.d === 49);
    const msgs = c.messages.filter((m) => m.t === "msg");
    expect(msgs.map((m) => m.d)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(c.frames - framesBefore).toBeLessThan(50);
    expect(c.frames - framesBefore).toBeGreaterThanOrEqual(1);
  });

  it("tracks presence with join and leave", async () => {
    await start();
    server.topic("lobby", { presence: true });
    server.useConnect((ctx) => {
      ctx.user = { id: String(ctx.data) };
    });
    const ann = await client({ data: "ann" });
    await ann.request({ t: "sub", topic: "lobby", presence: true }, 1);
    const bob = await client({ data: "bob" });
    await bob.request({ t: "sub", topic: "lobby" }, 1);
    const join = await ann.next((m) => m.t === "join");
    expect(join.who).toMatchObject({ user: "bob" });
    const list = await ann.request({ t: "presence", topic: "lobby" }, 2);
    expect((list.data as { count: number }).count).toBe(2);
    expect((list.data as { clients: { user: string }[] }).clients.map((c) => c.user).sort()).toEqual(["ann", "bob"]);
    bob.close();
    const leave = await ann.next((m) => m.t === "leave");
    expect(leave.who).toMatchObject({ user: "bob" });
  });
});

describe("bad input", () => {
  it("answers malformed frames, unknown types and wrong fields with codes, and keeps serving others", async () => {
    await start();
    server.on("echo", (d) => d);
    const bad = await client();
    const good = await client();
    bad.send("{not json");
    expect(await bad.next((m) => m.t === "err")).toMatchObject({ code: ErrorCode.BadFrame });
    bad.send({ t: "nope", id: 7 });
    expect(await bad.next((m) => m.t === "ack" && m.id === 7)).toMatchObject({
      error: { code: ErrorCode.UnknownType },
    });
    bad.send({ t: "sub", id: 8, topic: 42 });
    expect(await bad.next((m) => m.t === "ack" && m.id === 8)).toMatchObject({
      error: { code: ErrorCode.InvalidTopic },
    });
    bad.send({ t: "sub", id: 9, topic: "x", mode: "fast" });
    expect(await bad.next((m) => m.t === "ack" && m.id === 9)).toMatchObject({
      error: { code: ErrorCode.InvalidField },
    });
    bad.send(JSON.stringify([1, null, "x"]));
    await bad.next((m) => m.t === "err" && m.code === ErrorCode.InvalidField);
    expect((await good.request({ t: "evt", event: "echo", data: "still here" }, 1)).data).toBe("still here");
    expect((await bad.request({ t: "evt", event: "echo", data: "me too" }, 2)).data).toBe("me too");
  });

  it("closes with 1009 on an oversize frame and keeps serving others", async () => {
    await start({ limits: { frameBytes: 1024 } });
    server.on("echo", (d) => d);
    const big = await client();
    const good = await client();
    big.send({ t: "evt", event: "echo", data: "x".repeat(5000) });
    expect(await big.closed()).toBe(CloseCode.MessageTooBig);
    // As docs/protocol.md says: the WebSocket layer closes at once, with no `disconnect` first.
    expect(big.messages.filter((m) => m.t === "disconnect")).toEqual([]);
    expect((await good.request({ t: "evt", event: "echo", data: 1 }, 1)).data).toBe(1);
  });
});

describe("health and metrics", () => {
  it("reports broker health and Prometheus counters", async () => {
    await start();
    const c = await client();
    await c.request({ t: "sub", topic: "m" }, 1);
    const base = url.replace("ws://", "http://").replace("/dashwire", "");
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", broker: { name: "memory", ok: true }, connections: 1 });
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/^dashwire_connections 1$/m);
    expect(text).toMatch(/^dashwire_subscriptions 1$/m);
    expect(text).toMatch(/nodejs_eventloop_lag_p99_seconds/);
  });
});

describe("credential expiry", () => {
  it("closes with TokenExpired unless refreshed in time", async () => {
    await start();
    server.useConnect((ctx) => {
      ctx.user = { id: "u" };
      ctx.expiresAt = Date.now() + Number(ctx.token);
    });
    const lapsed = await client({ token: "150" });
    const refreshed = await client({ token: "150" });
    // The ack says how long the new credentials last (ms).
    expect(await refreshed.request({ t: "refresh", token: "5000" }, 1)).toMatchObject({
      t: "ack",
      id: 1,
      data: { ttl: expect.any(Number) },
    });
    expect(await lapsed.closed()).toBe(CloseCode.TokenExpired);
    expect(lapsed.messages.at(-1)).toMatchObject({ t: "disconnect", code: CloseCode.TokenExpired, reconnect: true });
    await new Promise((r) => setTimeout(r, 100));
    expect(refreshed.closeCode).toBeUndefined();
  });
});
