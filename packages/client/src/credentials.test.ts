import { CloseCode, type Codec, ErrorCode, jsonCodec } from "@dashwire/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeServer, until } from "../test/fake-server.js";
import type { Client } from "./client.js";
import type { ClientState, StateReason } from "./client-events.js";
import type { DashwireClientError } from "./errors.js";
import { connect } from "./node.js";

/**
 * Credentials that run out (issue 12 item 6): the client never offers a token the server called
 * expired, surfaces terminal auth failures (an `error` event and the state "disconnected"), and
 * with `getToken` renews ahead of expiry and reconnects with fresh tokens.
 */

let server: FakeServer;
const clients: Client[] = [];

function open(options: Parameters<typeof connect>[1] = {}): Client {
  const c = connect(server.url, { reconnect: { minDelayMs: 5, maxDelayMs: 20 }, ...options });
  clients.push(c);
  return c;
}

/** Records state changes and errors. */
function record(c: Client): { states: [ClientState, StateReason][]; errors: DashwireClientError[] } {
  const log = { states: [] as [ClientState, StateReason][], errors: [] as DashwireClientError[] };
  c.on("state", (s, r) => log.states.push([s, r]));
  c.on("error", (e) => log.errors.push(e));
  return log;
}

beforeEach(async () => {
  server = await FakeServer.start();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server.close();
});

const expired = { t: "disconnect", code: CloseCode.TokenExpired, reason: "token expired", reconnect: true };

describe("a token the server called expired", () => {
  it("static token expired mid-session: error event, state disconnected (4004), no retry", async () => {
    const c = open({ token: "static" });
    const log = record(c);
    const conn = await server.connection(0);
    await conn.handshake();
    await until(() => c.state === "connected");
    conn.send(expired);
    await until(() => c.state === "disconnected");
    expect(log.states.at(-1)).toEqual(["disconnected", { code: 4004, reason: expect.any(String) }]);
    expect(log.errors.map((e) => e.code)).toEqual([ErrorCode.TokenExpired]);
    expect(server.connections).toHaveLength(1);
  });

  it("static token refused as expired at connect: terminal at once", async () => {
    const c = open({ token: "stale" });
    const log = record(c);
    const conn = await server.connection(0);
    await conn.next("connect");
    conn.send(expired);
    await until(() => c.state === "disconnected");
    expect(log.states.map(([state, r]) => `${state}:${r.code}`)).toEqual(["connecting:1000", "disconnected:4004"]);
    expect(log.errors.map((e) => e.code)).toEqual([ErrorCode.TokenExpired]);
  });

  it("with getToken: reconnects with a new token", async () => {
    let n = 0;
    const c = open({ getToken: async () => `t${++n}` });
    const log = record(c);
    const c0 = await server.connection(0);
    expect((await c0.handshake()).token).toBe("t1");
    await until(() => c.state === "connected");
    c0.send(expired);
    const c1 = await server.connection(1);
    expect((await c1.handshake()).token).toBe("t2");
    await until(() => c.state === "connected");
    expect(log.errors.map((e) => e.code)).toEqual([ErrorCode.TokenExpired]);
  });

  it("getToken that returns the expired token again: terminal, never sent", async () => {
    const c = open({ getToken: () => "same" });
    const log = record(c);
    const c0 = await server.connection(0);
    await c0.handshake();
    await until(() => c.state === "connected");
    c0.send(expired);
    await until(() => c.state === "disconnected");
    expect(log.states.at(-1)?.[1].code).toBe(4004);
    expect(log.errors.at(-1)?.message).toMatch(/getToken returned the token the server called expired/);
    expect(server.connections).toHaveLength(1);
  });

  it("refused credentials (4500): error event Unauthorized, state disconnected", async () => {
    const c = open({ token: "bad" });
    const log = record(c);
    const conn = await server.connection(0);
    await conn.next("connect");
    conn.send({ t: "disconnect", code: CloseCode.Unauthorized, reason: "token signature invalid", reconnect: false });
    await until(() => c.state === "disconnected");
    expect(log.errors.map((e) => [e.code, e.message])).toEqual([[ErrorCode.Unauthorized, "token signature invalid"]]);
  });
});

describe("renewal with getToken", () => {
  it("refreshes ahead of the ttl from `connected`, then of the ttl of each refresh ack", async () => {
    let n = 0;
    const c = open({ getToken: async () => `t${++n}` });
    const conn = await server.connection(0);
    await conn.handshake({ ttl: 200 });
    const first = await conn.next("refresh");
    expect(first.token).toBe("t2");
    conn.send({ t: "ack", id: first.id, data: { ttl: 100 } });
    const second = await conn.next("refresh");
    expect(second.token).toBe("t3");
    conn.send({ t: "ack", id: second.id });
    expect(c.state).toBe("connected");
  });

  it("refresh() without a token asks getToken; without getToken it rejects", async () => {
    const withGetter = open({ getToken: () => "fresh" });
    const conn = await server.connection(0);
    await conn.handshake();
    await until(() => withGetter.state === "connected");
    const done = withGetter.refresh();
    const m = await conn.next("refresh");
    expect(m.token).toBe("fresh");
    conn.send({ t: "ack", id: m.id });
    await done;
    const plain = open({ token: "x" });
    await expect(plain.refresh()).rejects.toMatchObject({ code: ErrorCode.InvalidField });
  });

  it("refuses getToken together with a token function", () => {
    expect(() => open({ getToken: () => "a", token: () => "b" })).toThrow(/not both/);
  });
});

describe("a hostile or broken server", () => {
  it("cuts a disconnect reason to 123 bytes", async () => {
    const c = open();
    const log = record(c);
    const conn = await server.connection(0);
    await conn.handshake();
    await until(() => c.state === "connected");
    conn.send({ t: "disconnect", code: 4007, reason: "é".repeat(300), reconnect: false });
    await until(() => c.state === "disconnected");
    expect(log.states.at(-1)?.[1]).toEqual({ code: 4007, reason: "é".repeat(61) });
  });

  it("a frame the client cannot handle: error event, the connection is dropped and made again", async () => {
    let poison = false;
    // A codec whose decoded message throws when read: what a client bug would do.
    const codec: Codec = {
      ...jsonCodec,
      decode(frame) {
        if (!poison) return jsonCodec.decode(frame);
        poison = false;
        return [
          new Proxy(
            {},
            {
              get() {
                throw new Error("boom");
              },
            },
          ),
        ];
      },
    };
    const c = open({ codec });
    const log = record(c);
    const c0 = await server.connection(0);
    await c0.handshake();
    await until(() => c.state === "connected");
    poison = true;
    c0.send({ t: "ping" });
    await until(() => log.errors.length > 0);
    expect(log.errors[0]?.code).toBe(ErrorCode.Internal);
    const c1 = await server.connection(1);
    await c1.handshake();
    await until(() => c.state === "connected");
  });
});
