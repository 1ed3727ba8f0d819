import { CloseCode, ErrorCode } from "@dashwire/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeServer, sleep, until } from "../test/fake-server.js";
import type { Client } from "./client.js";
import type { ClientState, StateReason } from "./client-events.js";
import { connect as connectBrowser } from "./connect.js";
import { connect } from "./node.js";
import type { Scheduler } from "./timer.js";

let server: FakeServer;
const clients: Client[] = [];
const fast = { reconnect: { minDelayMs: 5, maxDelayMs: 20 } };

function open(options: Parameters<typeof connect>[1] = {}): Client {
  const c = connect(server.url, { ...fast, ...options });
  clients.push(c);
  return c;
}

function states(c: Client): [ClientState, StateReason][] {
  const log: [ClientState, StateReason][] = [];
  c.on("state", (s, r) => log.push([s, r]));
  return log;
}

beforeEach(async () => {
  server = await FakeServer.start();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server.close();
});

describe("handshake and frames", () => {
  it("sends connect with version, token and data, pipelines subscriptions in the same frame", async () => {
    const c = open({ token: "tok", data: { name: "ann" } });
    c.subscribe("a", () => {});
    c.subscribe("b", () => {}, { mode: "latest", maxRate: 5 });
    const conn = await server.connection(0);
    await conn.next("sub", (m) => m.topic === "b");
    const first = JSON.parse(conn.frames[0] as string) as { t: string }[];
    expect(first).toEqual([
      { t: "connect", v: 1, token: "tok", data: { name: "ann" } },
      { t: "sub", id: expect.any(Number), topic: "a" },
      { t: "sub", id: expect.any(Number), topic: "b", mode: "latest", maxRate: 5 },
    ]);
    expect(c.state).toBe("connecting");
    const log = states(c);
    const connected: unknown[] = [];
    c.on("connected", (info) => connected.push(info.session));
    conn.send({ t: "connected", v: 1, session: "S9", ping: 1000, pong: 1000, limits: {} });
    await until(() => c.state === "connected");
    expect(log).toEqual([["connected", { code: 1000, reason: "connected" }]]);
    expect(connected).toEqual(["S9"]);
    expect(c.transport).toBe("websocket");
    expect(c.info?.session).toBe("S9");
  });

  it("a state handler added right after connect() hears connecting, then connected", async () => {
    const c = open();
    const log = states(c);
    const conn = await server.connection(0);
    await conn.next("connect");
    conn.send({ t: "connected", v: 1, session: "S1", ping: 1000, pong: 1000, limits: {} });
    await until(() => c.state === "connected");
    expect(log.map(([s]) => s)).toEqual(["connecting", "connected"]);
  });

  it("reads single messages and batches from the server", async () => {
    const c = open();
    const got: number[] = [];
    const sub = c.subscribe("t", (d) => got.push((d as { v: number }).v));
    const conn = await server.connection(0);
    const s = await conn.next("sub");
    // One frame: the handshake reply, the subscribe ack and two publications.
    conn.send(
      { t: "connected", v: 1, session: "s", ping: 1000, pong: 1000, limits: {} },
      { t: "ack", id: s.id, data: { epoch: "E", offset: 0, recovered: false } },
      { t: "msg", c: "t", e: "E", o: 1, d: { v: 1 } },
      { t: "msg", c: "t", e: "E", o: 2, d: { v: 2 } },
    );
    await expect(sub.ready).resolves.toEqual({ epoch: "E", offset: 0, recovered: false });
    conn.send({ t: "msg", c: "t", e: "E", o: 3, d: { v: 3 } });
    await until(() => got.length === 3);
    expect(got).toEqual([1, 2, 3]);
  });

  it("reports undecodable frames and unknown message types as errors and keeps going", async () => {
    const c = open();
    const errors: number[] = [];
    c.on("error", (e) => errors.push(e.code));
    const conn = await server.connection(0);
    await conn.handshake();
    conn.ws.send("not json");
    conn.send({ t: "bogus" }, { t: "err", code: 1002, message: "bad" });
    await until(() => errors.length === 3);
    expect(errors).toEqual([ErrorCode.BadFrame, ErrorCode.UnknownType, 1002]);
    expect(c.state).toBe("connected");
  });

  it("batches messages sent in one turn into one frame after the handshake", async () => {
    const c = open();
    const conn = await server.connection(0);
    await conn.handshake();
    await until(() => c.state === "connected");
    const before = conn.frames.length;
    void c.publish("x", 1).catch(() => {});
    void c.publish("x", 2).catch(() => {});
    void c.emit("e", 3).catch(() => {});
    await conn.next("evt");
    expect(conn.frames.length).toBe(before + 1);
    expect(JSON.parse(conn.frames[before] as string)).toHaveLength(3);
  });

  it("sends at most 48 subscriptions before `connected` and the rest after it", async () => {
    const c = open();
    for (let i = 0; i < 60; i++) c.subscribe(`t${i}`, () => {});
    const conn = await server.connection(0);
    await conn.next("sub", (m) => m.topic === "t47");
    await sleep(30);
    expect(conn.messages.filter((m) => m.t === "sub")).toHaveLength(48);
    await conn.handshake();
    await conn.next("sub", (m) => m.topic === "t59");
    expect(conn.messages.filter((m) => m.t === "sub")).toHaveLength(60);
  });
});

describe("setup errors", () => {
  it.skipIf("WebSocket" in globalThis)("throws a coded error when no WebSocket exists and none is given", () => {
    expect(() => connectBrowser(server.url, { transports: ["websocket"] })).toThrow(/no WebSocket implementation/);
  });

  it("throws on an invalid URL, unknown transport or bad option", () => {
    expect(() => connect("not a url")).toThrow(expect.objectContaining({ code: ErrorCode.InvalidField }));
    expect(() => connect(server.url, { transports: ["carrier-pigeon" as "websocket"] })).toThrow(/unknown transport/);
    expect(() => connect(server.url, { ackTimeoutMs: 0 })).toThrow(/ackTimeoutMs/);
    expect(() => connect(server.url, { reconnect: { minDelayMs: 10, maxDelayMs: 5 } })).toThrow(/maxDelayMs/);
  });
});

describe("heartbeat", () => {
  it("answers ping with pong", async () => {
    open();
    const conn = await server.connection(0);
    await conn.handshake();
    conn.send({ t: "ping" });
    await conn.next("pong");
  });

  it("drops a silent server after ping + pong ms and reconnects", async () => {
    const c = open();
    const log = states(c);
    const conn = await server.connection(0);
    await conn.handshake({ ping: 60, pong: 60 });
    await until(() => c.state === "connected");
    const t0 = Date.now();
    // Traffic keeps it alive...
    for (let i = 0; i < 4; i++) {
      await sleep(30);
      conn.send({ t: "ping" });
    }
    expect(c.state).toBe("connected");
    // ...silence does not.
    await server.connection(1);
    // Four pings 30 ms apart kept it up; then 120 ms of silence ended it.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4 * 30 + 120 - 10);
    expect(log[2]).toEqual(["connecting", { code: CloseCode.HeartbeatTimeout, reason: expect.any(String) }]);
  });
});

describe("reconnect and close codes", () => {
  it("reconnects after a network failure and a retryable close code", async () => {
    const c = open();
    const log = states(c);
    const c0 = await server.connection(0);
    await c0.handshake();
    await until(() => c.state === "connected");
    c0.terminate();
    const c1 = await server.connection(1);
    await c1.handshake();
    await until(() => c.state === "connected");
    c1.send({ t: "disconnect", code: CloseCode.ServerBusy, reason: "busy", reconnect: true });
    const c2 = await server.connection(2);
    await c2.handshake();
    await until(() => c.state === "connected");
    expect(log.map(([s, r]) => `${s}:${r.code}`)).toEqual([
      "connecting:1000",
      "connected:1000",
      "connecting:1006",
      "connected:1000",
      "connecting:4005",
      "connected:1000",
    ]);
  });

  it.each([
    ["disconnect message", true],
    ["close code only", false],
  ])("stops for good on a terminal code (%s)", async (_name, withMessage) => {
    const c = open();
    const log = states(c);
    const conn = await server.connection(0);
    await conn.handshake();
    await until(() => c.state === "connected");
    const pending = c.emit("never", {});
    if (withMessage)
      conn.send({ t: "disconnect", code: CloseCode.Unauthorized, reason: "bad token", reconnect: false });
    else conn.close(CloseCode.Unauthorized, "bad token");
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.Disconnected });
    await until(() => c.state === "disconnected");
    expect(log.at(-1)).toEqual(["disconnected", { code: CloseCode.Unauthorized, reason: "bad token" }]);
    await sleep(100);
    expect(server.connections).toHaveLength(1);
    await expect(c.emit("late", {})).rejects.toMatchObject({ code: ErrorCode.Disconnected });
    expect(() => c.subscribe("t", () => {})).toThrow(/closed/);
  });

  it("close() stops for good: buffered requests and ready promises reject", async () => {
    const c = open();
    const sub = c.subscribe("t", () => {});
    const req = c.publish("t", 1);
    await server.connection(0);
    c.close();
    await expect(req).rejects.toMatchObject({ code: ErrorCode.Disconnected });
    await expect(sub.ready).rejects.toMatchObject({ code: ErrorCode.Disconnected });
    expect(c.state).toBe("disconnected");
    await sleep(60);
    expect(server.connections).toHaveLength(1);
  });

  it("close() while the socket is still connecting does not crash", async () => {
    const c = open();
    await Promise.resolve();
    await Promise.resolve();
    c.close();
    await sleep(50);
    expect(c.state).toBe("disconnected");
  });

  it("reads a token function again before every attempt", async () => {
    let n = 0;
    open({ token: async () => `t${++n}` });
    const c0 = await server.connection(0);
    expect((await c0.handshake()).token).toBe("t1");
    c0.terminate();
    const c1 = await server.connection(1);
    const connect1 = await c1.handshake();
    expect(connect1.token).toBe("t2");
    // The earlier session is offered for takeover.
    expect(connect1.session).toBe("s1");
  });

  it("retries when the server is unreachable, with delays from the scheduler", async () => {
    const delays: number[] = [];
    // A scheduler that records reconnect delays and compresses time: tests stay fast.
    const scheduler: Scheduler = {
      now: () => Date.now(),
      setTimeout: (fn, ms) => {
        if (ms >= 250 && ms <= 10_000) delays.push(ms);
        return setTimeout(fn, 1);
      },
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    };
    const url = server.url;
    await server.close();
    const c = connect(url, { scheduler, ackTimeoutMs: 50_000, transports: ["websocket"] });
    clients.push(c);
    await until(() => delays.length >= 6);
    c.close();
    // Upper bounds of the windows: 500, 1000, 2000, 4000, 8000, 10000.
    delays.slice(0, 6).forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(250);
      expect(d).toBeLessThanOrEqual(Math.min(10_000, 250 * 2 ** (i + 1)));
    });
    server = await FakeServer.start();
  });
});
