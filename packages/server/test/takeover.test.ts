/**
 * Session takeover (docs/protocol.md, "connect"): a `connect` that names a live session and
 * proves it with the secret from `connected` takes the session over, with its subscriptions,
 * its queue and its requests in flight; the old transport gets 4007.
 */
import { CloseCode } from "@dashwire/protocol";
import { createServer, type DashwireServer } from "@dashwire/server";
import { afterEach, describe, expect, it } from "vitest";
import { RawClient } from "./raw-client.js";
import { until } from "./until.js";

let server: DashwireServer | undefined;
const raws: RawClient[] = [];

async function start(): Promise<string> {
  server = createServer({ logLevel: "silent" });
  server.topic("feed", { history: { size: 100 } });
  server.topic("room", { presence: true });
  server.useConnect((ctx) => {
    const name = (ctx.data as { user?: string } | undefined)?.user;
    if (name !== undefined) ctx.user = { id: name };
  });
  const { port } = await server.listen(0, "127.0.0.1");
  return `ws://127.0.0.1:${port}/dashwire`;
}

async function raw(url: string, connect: Record<string, unknown> = {}): Promise<RawClient> {
  const c = await RawClient.connect(url, connect);
  raws.push(c);
  return c;
}

const connectedOf = (c: RawClient) => c.messages.find((m) => m.t === "connected") as Record<string, unknown>;

afterEach(async () => {
  for (const c of raws.splice(0)) c.close();
  await server?.close();
  server = undefined;
});

describe("session takeover", () => {
  it("keeps subscriptions, presence and a request in flight; the old transport gets 4007", async () => {
    const url = await start();
    const target = server as DashwireServer;
    let release: (v: string) => void = () => {};
    target.on("slow", () => new Promise<string>((r) => (release = r)));
    const events: string[] = [];
    target.events.on("connection", () => events.push("connection"));
    target.events.on("disconnect", () => events.push("disconnect"));
    const old = await raw(url, { data: { user: "ann" } });
    const watcher = await raw(url, { data: { user: "bob" } });
    const { session, secret } = connectedOf(old);
    expect(typeof secret).toBe("string");
    await old.request({ t: "sub", topic: "feed" }, 1);
    await old.request({ t: "sub", topic: "room", presence: true }, 2);
    await watcher.request({ t: "sub", topic: "room", presence: true }, 1);
    await target.publish("feed", 1);
    await old.next((m) => m.t === "msg" && m.d === 1);
    old.send({ t: "evt", event: "slow", id: 3 });
    await until(() => target.stats.messagesIn >= 6);

    const fresh = await raw(url, { data: { user: "ann" }, session, secret });
    expect(connectedOf(fresh)).toMatchObject({ session, secret, resumed: true });
    expect(old.messages.at(-1)).toMatchObject({ t: "disconnect", code: CloseCode.Replaced, reconnect: true });
    expect(await old.closed()).toBe(CloseCode.Replaced);
    // No new subscription: the session's own keeps delivering, on the new transport.
    await target.publish("feed", 2);
    expect(await fresh.next((m) => m.t === "msg")).toMatchObject({ c: "feed", o: 2, d: 2 });
    // The reply to the request sent on the old transport comes on the new one.
    release("done");
    expect(await fresh.next((m) => m.t === "ack" && m.id === 3)).toMatchObject({ data: "done" });
    // Still one client: no connection or disconnect event, no presence leave, one subscriber.
    expect(events).toEqual(["connection", "connection"]);
    expect(target.stats.connections).toBe(2);
    expect(target.stats.subscriptions).toBe(3);
    expect(target.stats.takeovers).toBe(1);
    expect(watcher.messages.filter((m) => m.t === "leave")).toEqual([]);
    expect((await fresh.request({ t: "presence", topic: "room" }, 4)).data).toMatchObject({ count: 2 });
  });

  it("without the right secret, or for another user, the connect opens a new session", async () => {
    const url = await start();
    const old = await raw(url, { data: { user: "ann" } });
    const { session, secret } = connectedOf(old);
    const guess = await raw(url, { data: { user: "ann" }, session, secret: "not-it" });
    expect(connectedOf(guess).resumed).toBeUndefined();
    expect(connectedOf(guess).session).not.toBe(session);
    const bare = await raw(url, { data: { user: "ann" }, session });
    expect(connectedOf(bare).resumed).toBeUndefined();
    const other = await raw(url, { data: { user: "eve" }, session, secret });
    expect(connectedOf(other).resumed).toBeUndefined();
    expect(connectedOf(other).session).not.toBe(session);
    // The first session was never touched.
    expect((await old.request({ t: "evt", event: "none" }, 1)).error).toMatchObject({ code: 1005 });
    expect(old.closeCode).toBeUndefined();
    expect((server as DashwireServer).stats.takeovers).toBe(0);
  });

  it("a closed session cannot be taken over", async () => {
    const url = await start();
    const old = await raw(url);
    const { session, secret } = connectedOf(old);
    old.close();
    await until(() => (server as DashwireServer).stats.connections === 0);
    const fresh = await raw(url, { session, secret });
    expect(connectedOf(fresh).resumed).toBeUndefined();
    expect(connectedOf(fresh).session).not.toBe(session);
  });
});
