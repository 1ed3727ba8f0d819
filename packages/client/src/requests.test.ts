import { ErrorCode } from "@dashwire/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeConnection, FakeServer, sleep, until } from "../test/fake-server.js";
import type { Client } from "./client.js";
import { DashwireClientError } from "./errors.js";
import { connect } from "./node.js";

let server: FakeServer;
const clients: Client[] = [];

function open(options: Parameters<typeof connect>[1] = {}): Client {
  const c = connect(server.url, { reconnect: { minDelayMs: 5, maxDelayMs: 20 }, ...options });
  clients.push(c);
  return c;
}

async function connected(c: Client, limits: Record<string, number> = {}): Promise<FakeConnection> {
  const conn = await server.connection(server.connections.length);
  await conn.handshake({
    limits: { maxFrameBytes: 65536, maxSubscriptions: 100, maxMessagesPerSecond: 1000, maxPendingAcks: 100, ...limits },
  });
  await until(() => c.state === "connected");
  return conn;
}

beforeEach(async () => {
  server = await FakeServer.start();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server.close();
});

describe("emit, publish, presence, refresh", () => {
  it("resolves emit with the ack data and rejects with the ack's coded error", async () => {
    const c = open();
    const conn = await connected(c);
    const sum = c.emit("add", { a: 1, b: 2 }, { ns: "math" });
    const evt = await conn.next("evt");
    expect(evt).toEqual({ t: "evt", id: evt.id, ns: "math", event: "add", data: { a: 1, b: 2 } });
    conn.send({ t: "ack", id: evt.id, data: 3 });
    await expect(sum).resolves.toBe(3);

    const bad = c.emit("kick", {});
    const evt2 = await conn.next("evt", (m) => m.event === "kick");
    conn.send({ t: "ack", id: evt2.id, error: { code: 10001, message: "admins only", details: { role: "x" } } });
    const err = await bad.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DashwireClientError);
    expect(err).toMatchObject({ code: 10001, message: "admins only", details: { role: "x" } });
  });

  it("rejects an `err` that names a request's id", async () => {
    const c = open();
    const conn = await connected(c);
    const p = c.emit("x", 1);
    const evt = await conn.next("evt");
    conn.send({ t: "err", code: ErrorCode.RateLimited, message: "slow down", id: evt.id });
    await expect(p).rejects.toMatchObject({ code: ErrorCode.RateLimited });
  });

  it("publishes with key/urgent and resolves with the position; presence resolves with the list", async () => {
    const c = open();
    const conn = await connected(c);
    const p = c.publish("room:1", { x: 1 }, { key: "k", urgent: true });
    const m = await conn.next("pub");
    expect(m).toEqual({ t: "pub", id: m.id, topic: "room:1", data: { x: 1 }, key: "k", urgent: true });
    conn.send({ t: "ack", id: m.id, data: { epoch: "E", offset: 4 } });
    await expect(p).resolves.toEqual({ epoch: "E", offset: 4 });

    const q = c.presence("room:1");
    const pr = await conn.next("presence");
    conn.send({ t: "ack", id: pr.id, data: { count: 1, clients: [{ client: "c1", user: "ann" }] } });
    await expect(q).resolves.toEqual({ count: 1, clients: [{ client: "c1", user: "ann" }] });
  });

  it("sends refresh and uses the new token on the next connect", async () => {
    const c = open({ token: "old" });
    const c0 = await connected(c);
    const r = c.refresh("new");
    const m = await c0.next("refresh");
    expect(m.token).toBe("new");
    c0.send({ t: "ack", id: m.id });
    await r;
    c0.terminate();
    const c1 = await server.connection(1);
    expect((await c1.handshake()).token).toBe("new");
  });

  it("rejects bad input with coded errors, without sending anything", async () => {
    const c = open();
    const conn = await connected(c);
    await expect(c.emit("bad name", 1)).rejects.toMatchObject({ code: ErrorCode.InvalidField });
    await expect(c.publish("", 1)).rejects.toMatchObject({ code: ErrorCode.InvalidTopic });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(c.emit("ok", cyclic)).rejects.toMatchObject({ code: ErrorCode.InvalidField });
    await expect(c.emit("big", "x".repeat(70_000))).rejects.toMatchObject({ code: ErrorCode.PayloadTooLarge });
    expect(() => c.subscribe("t", () => {}, { maxRate: -1 })).toThrow(/maxRate/);
    // A `since` of null (from untyped code) is a coded refusal, not a TypeError.
    expect(() => c.subscribe("t", () => {}, { since: null as never })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidField, message: expect.stringMatching(/^since/) }),
    );
    expect(() => c.subscribe("has space", () => {})).toThrow(DashwireClientError);
    await sleep(20);
    expect(conn.messages.filter((m) => m.t !== "connect")).toEqual([]);
  });

  it("delivers server events to on('event') and onEvent handlers", async () => {
    const c = open();
    const all: unknown[] = [];
    const notices: unknown[] = [];
    c.on("event", (name, data, ns) => all.push([name, data, ns]));
    const off = c.onEvent("notice", (data) => notices.push(data));
    const conn = await connected(c);
    conn.send({ t: "evt", event: "notice", data: { text: "hi" } }, { t: "evt", ns: "admin", event: "other", data: 1 });
    await until(() => all.length === 2);
    expect(all).toEqual([
      ["notice", { text: "hi" }, undefined],
      ["other", 1, "admin"],
    ]);
    expect(notices).toEqual([{ text: "hi" }]);
    off();
    conn.send({ t: "evt", event: "notice", data: 2 });
    await until(() => all.length === 3);
    expect(notices).toHaveLength(1);
  });
});

describe("timeouts and limits", () => {
  it("rejects with Timeout when no ack arrives in time", async () => {
    const c = open({ ackTimeoutMs: 60 });
    const conn = await connected(c);
    const t0 = Date.now();
    const p = c.emit("slow", 1);
    const q = c.emit("slower", 1, { timeoutMs: 150 });
    await expect(p).rejects.toMatchObject({ code: ErrorCode.Timeout });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55);
    await expect(q).rejects.toMatchObject({ code: ErrorCode.Timeout });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(145);
    // A late ack for a timed-out request is ignored.
    conn.send({ t: "ack", id: (await conn.next("evt")).id, data: 1 });
    await sleep(10);
    expect(c.state).toBe("connected");
  });

  it("buffers sends while disconnected and sends them in order after the handshake", async () => {
    const c = open();
    const results = [c.publish("a", 1), c.emit("e", 2), c.publish("a", 3)];
    const conn = await server.connection(0);
    await conn.next("connect");
    await sleep(30);
    // Nothing but connect before `connected`.
    expect(conn.messages.map((m) => m.t)).toEqual(["connect"]);
    expect(c.bufferedSends).toBe(3);
    await conn.handshake();
    await conn.next("pub", (m) => m.data === 3);
    const sent = conn.messages.filter((m) => m.t !== "connect");
    expect(sent.map((m) => m.data)).toEqual([1, 2, 3]);
    for (const m of sent) conn.send({ t: "ack", id: m.id, data: m.data });
    await expect(Promise.all(results)).resolves.toEqual([1, 2, 3]);
  });

  it("rejects past maxBufferedSends with BufferFull", async () => {
    const c = open({ maxBufferedSends: 2 });
    const a = c.publish("a", 1);
    const b = c.publish("a", 2);
    await expect(c.publish("a", 3)).rejects.toMatchObject({ code: ErrorCode.BufferFull });
    c.close();
    await expect(a).rejects.toMatchObject({ code: ErrorCode.Disconnected });
    await expect(b).rejects.toMatchObject({ code: ErrorCode.Disconnected });
  });

  it("never sends a buffered request that timed out while waiting", async () => {
    const c = open();
    const p = c.emit("late", 1, { timeoutMs: 30 });
    // Attached at once: on a loaded machine the 30 ms pass before the connection is seen.
    const timedOut = expect(p).rejects.toMatchObject({ code: ErrorCode.Timeout });
    const conn = await server.connection(0);
    await timedOut;
    await conn.handshake();
    await until(() => c.state === "connected");
    await sleep(30);
    expect(conn.messages.filter((m) => m.t === "evt")).toEqual([]);
  });

  it("bounds in-flight requests by the server's maxPendingAcks; queued ones wait for room", async () => {
    const c = open();
    const conn = await connected(c, { maxPendingAcks: 2 });
    const a = c.emit("a", 1);
    const b = c.emit("b", 2);
    await expect(c.emit("c", 3)).rejects.toMatchObject({ code: ErrorCode.TooManyPendingAcks });
    const ea = await conn.next("evt", (m) => m.event === "a");
    conn.send({ t: "ack", id: ea.id, data: "A" });
    await expect(a).resolves.toBe("A");
    // An ack made room: the next request goes out.
    const d = c.emit("d", 4);
    const ed = await conn.next("evt", (m) => m.event === "d");
    const eb = await conn.next("evt", (m) => m.event === "b");
    conn.send({ t: "ack", id: eb.id, data: "B" }, { t: "ack", id: ed.id, data: "D" });
    await expect(Promise.all([b, d])).resolves.toEqual(["B", "D"]);
    expect(conn.messages.some((m) => m.event === "c")).toBe(false);
  });

  it("rejects in-flight requests with Disconnected when the transport drops, keeps queued ones", async () => {
    const c = open();
    const c0 = await connected(c);
    const inflight = c.emit("x", 1);
    await c0.next("evt");
    c0.terminate();
    await expect(inflight).rejects.toMatchObject({ code: ErrorCode.Disconnected });
    const queued = c.emit("y", 2);
    const c1 = await connected(c);
    const m = await c1.next("evt", (x) => x.event === "y");
    c1.send({ t: "ack", id: m.id, data: "ok" });
    await expect(queued).resolves.toBe("ok");
  });
});
