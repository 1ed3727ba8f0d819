import { type Client, CloseCode, connect, DashwireClientError, ErrorCode } from "@dashwire/client/node";
import { createServer, DashwireError, type DashwireServer } from "@dashwire/server";
import { afterEach, describe, expect, it } from "vitest";
import { RawClient } from "./raw-client.js";
import { until } from "./until.js";

let server: DashwireServer;
let url: string;
const clients: Client[] = [];

async function start(options: Parameters<typeof createServer>[0] = {}): Promise<void> {
  server = createServer({ logLevel: "silent", ...options });
  const { port } = await server.listen(0, "127.0.0.1");
  url = `ws://127.0.0.1:${port}/dashwire`;
}

function client(options: Parameters<typeof connect>[1] = {}): Client {
  const c = connect(url, { reconnect: { minDelayMs: 20, maxDelayMs: 100 }, ...options });
  clients.push(c);
  return c;
}

const connected = (c: Client) => until(() => c.state === "connected");

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
});

describe("client ↔ server", () => {
  it("emits events and gets acks, coded errors and timeouts", async () => {
    await start();
    server.on("add", (d: { a: number; b: number }) => d.a + d.b);
    server.on("deny", () => {
      throw new DashwireError(10042, "no way");
    });
    server.on("hang", () => new Promise(() => {}));
    const c = client();
    expect(await c.emit("add", { a: 20, b: 22 })).toBe(42);
    const denied = await c.emit("deny", null).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(DashwireClientError);
    expect(denied).toMatchObject({ code: 10042, message: "no way" });
    const timedOut = await c.emit("hang", null, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(timedOut).toMatchObject({ code: ErrorCode.Timeout });
    expect(await c.emit("missing", null).catch((e: unknown) => e)).toMatchObject({ code: ErrorCode.UnknownEvent });
  });

  it("types events and topics end to end from one schema", async () => {
    interface Api {
      events: { add: { data: { a: number; b: number }; reply: number } };
      topics: { [name: `ticker:${string}`]: { price: number } };
    }
    server = createServer<Api>({ logLevel: "silent" }) as unknown as DashwireServer;
    const typed = server as unknown as ReturnType<typeof createServer<Api>>;
    typed.on("add", (d) => d.a + d.b);
    const { port } = await server.listen(0, "127.0.0.1");
    url = `ws://127.0.0.1:${port}/dashwire`;
    const c = connect<Api>(url);
    clients.push(c as unknown as Client);
    const sum: number = await c.emit("add", { a: 1, b: 2 });
    expect(sum).toBe(3);
    const prices: number[] = [];
    const sub = c.subscribe("ticker:ACME", (d) => prices.push(d.price));
    await sub.ready;
    await typed.publish("ticker:ACME", { price: 101.5 });
    await until(() => prices.length === 1);
    expect(prices).toEqual([101.5]);
  });

  it("subscribes and publishes across several clients, with namespaces", async () => {
    await start();
    server.topic("chat:*", { clientPublish: true });
    server.namespace("math").on("double", (n: number) => n * 2);
    const a = client();
    const b = client();
    const c = client();
    const got: Record<string, unknown[]> = { a: [], b: [], c: [] };
    await Promise.all(
      (
        [
          ["a", a],
          ["b", b],
          ["c", c],
        ] as const
      ).map(([name, cl]) => cl.subscribe("chat:1", (d) => got[name]!.push(d)).ready),
    );
    await a.publish("chat:1", "hi from a");
    await b.publish("chat:1", "hi from b");
    await until(() => Object.values(got).every((g) => g.length === 2));
    for (const g of Object.values(got)) expect(g).toEqual(["hi from a", "hi from b"]);
    expect(await c.emit("double", 21, { ns: "math" })).toBe(42);
  });

  it("reports a connection refused by middleware and does not retry a terminal code", async () => {
    await start();
    let attempts = 0;
    server.useConnect(() => {
      attempts++;
      throw new DashwireError(ErrorCode.Unauthorized, "who are you?");
    });
    const c = client();
    const reasons: number[] = [];
    c.on("state", (state, reason) => {
      if (state === "disconnected") reasons.push(reason.code);
    });
    await until(() => c.state === "disconnected");
    expect(reasons).toEqual([CloseCode.Unauthorized]);
    await new Promise((r) => setTimeout(r, 150));
    expect(attempts).toBe(1);
  });

  it("shows presence joins and leaves", async () => {
    await start();
    server.topic("room", { presence: true });
    server.useConnect((ctx) => {
      ctx.user = { id: String(ctx.data) };
    });
    const ann = client({ data: "ann" });
    const joins: string[] = [];
    const leaves: string[] = [];
    const sub = ann.subscribe("room", () => {}, { presence: true });
    sub.on("join", (who) => joins.push(who.user ?? "?"));
    sub.on("leave", (who) => leaves.push(who.user ?? "?"));
    await sub.ready;
    const bob = client({ data: "bob" });
    await bob.subscribe("room", () => {}).ready;
    await until(() => joins.length === 1);
    expect((await ann.presence("room")).clients.map((w) => w.user).sort()).toEqual(["ann", "bob"]);
    bob.close();
    await until(() => leaves.length === 1);
    expect(joins).toEqual(["bob"]);
    expect(leaves).toEqual(["bob"]);
  });

  it("closes a peer that stops answering heartbeats", async () => {
    await start({ pingIntervalMs: 80, pongTimeoutMs: 80 });
    const dead = await RawClient.connect(url);
    // A peer that never answers ping: closed after ping + pong without a sign of life.
    expect(await dead.closed(2000)).toBe(CloseCode.HeartbeatTimeout);
    const alive = client();
    await connected(alive);
    await new Promise((r) => setTimeout(r, 400));
    expect(alive.state).toBe("connected");
  });

  it("reconnects after the server drops it and re-subscribes by itself", async () => {
    await start();
    const c = client();
    const got: number[] = [];
    const sub = c.subscribe("feed", (d) => got.push(d as number));
    await sub.ready;
    await server.publish("feed", 1);
    await until(() => got.length === 1);
    const sessions = new Set<string>();
    c.on("connected", (info) => sessions.add(info.session));
    for (const s of server.clients()) s.disconnect(CloseCode.HeartbeatTimeout, "dropped by test");
    await until(() => sessions.size === 1 && c.state === "connected" && server.stats.subscriptions === 1);
    await server.publish("feed", 2);
    await until(() => got.length === 2);
    expect(got).toEqual([1, 2]);
  });
});
