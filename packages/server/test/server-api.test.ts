import { type Client, type ClientState, connect } from "@dashwire/client/node";
import { CloseCode, ErrorCode } from "@dashwire/protocol";
import { createServer, type DashwireServer, type ServerOptionsInput } from "@dashwire/server";
import { afterEach, describe, expect, it } from "vitest";
import { API_KEY, apiResult, callApi } from "./server-api-client.js";
import { until } from "./until.js";

/**
 * The server HTTP API over real HTTP against a real server, with real clients on the other side:
 * each method does what it says where a client can see it.
 */

let app: DashwireServer | undefined;
let http = "";
let ws = "";
const clients: Client[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await app?.close();
  app = undefined;
});

/** A server with the API on, `room:*` with presence and history, users named by `connect.data`. */
async function start(options: ServerOptionsInput = {}): Promise<DashwireServer> {
  app = createServer({ logLevel: "silent", serverApi: { keys: ["another-key-that-is-long", API_KEY] }, ...options });
  app.topic("room:*", { presence: true, history: { size: 100 }, latest: { maxKeys: 10 } });
  app.topic("bare", { history: { size: 0 } });
  app.useConnect((ctx) => {
    const user = (ctx.data as { user?: string } | undefined)?.user;
    if (user !== undefined) ctx.user = { id: user };
    ctx.presence = { name: user };
  });
  const { port } = await app.listen(0, "127.0.0.1");
  http = `http://127.0.0.1:${port}`;
  ws = `ws://127.0.0.1:${port}/dashwire`;
  return app;
}

/** A connected client of `user` whose state changes are logged with their close codes. */
async function client(user: string): Promise<{ client: Client; states: [ClientState, number][] }> {
  const c = connect(ws, { data: { user }, reconnect: { minDelayMs: 20, maxDelayMs: 50 } });
  clients.push(c);
  const states: [ClientState, number][] = [];
  c.on("state", (state, reason) => states.push([state, reason.code]));
  await until(() => c.state === "connected");
  return { client: c, states };
}

describe("server API: publish and broadcast", () => {
  it("publish reaches a subscribed client at the offset it answers", async () => {
    await start();
    const { client: c } = await client("ann");
    const got: [unknown, number][] = [];
    await c.subscribe("room:1", (d, pub) => got.push([d, pub.offset])).ready;
    const r = await apiResult(http, "publish", { topic: "room:1", data: { price: 101.5 }, key: "ACME" });
    expect(r).toEqual({ epoch: expect.any(String), offset: 1 });
    await until(() => got.length === 1);
    expect(got).toEqual([[{ price: 101.5 }, 1]]);
  });

  it("a retried publish with the same idempotencyKey publishes once and answers the same", async () => {
    await start();
    const body = { topic: "room:idem", data: { n: 1 }, idempotencyKey: "order-42" };
    const [a, b] = await Promise.all([apiResult(http, "publish", body), apiResult(http, "publish", body)]);
    const c = await apiResult(http, "publish", body);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    const other = await apiResult(http, "publish", { ...body, idempotencyKey: "order-43" });
    expect(other.offset).toBe(2);
    const h = await apiResult(http, "history", { topic: "room:idem" });
    expect((h.publications as unknown[]).length).toBe(2);
  });

  it("broadcast sends one payload to several topics, each at its own offset", async () => {
    await start();
    const { client: c } = await client("ann");
    const got: string[] = [];
    for (const t of ["room:a", "room:b", "room:c"]) await c.subscribe(t, (_d, pub) => got.push(pub.topic)).ready;
    await apiResult(http, "publish", { topic: "room:b", data: 0 });
    const r = await apiResult(http, "broadcast", { topics: ["room:a", "room:b", "room:c"], data: { alert: "hi" } });
    expect(r.publications).toEqual([
      { topic: "room:a", epoch: expect.any(String), offset: 1 },
      { topic: "room:b", epoch: expect.any(String), offset: 2 },
      { topic: "room:c", epoch: expect.any(String), offset: 1 },
    ]);
    await until(() => got.length === 4);
    expect(got.sort()).toEqual(["room:a", "room:b", "room:b", "room:c"]);
    const repeated = await callApi(http, "broadcast", { topics: ["room:a", "room:a"], data: 1 });
    expect(repeated.status).toBe(400);
    expect(repeated.body.error).toEqual({ code: ErrorCode.InvalidField, message: "topics: must not repeat a topic" });
  });
});

describe("server API: presence, history, topics", () => {
  it("presence lists the connected clients with their user and count; 4004 where presence is off", async () => {
    await start();
    const ann = await client("ann");
    const bob = await client("bob");
    await ann.client.subscribe("room:p", () => {}).ready;
    await bob.client.subscribe("room:p", () => {}).ready;
    const r = await apiResult(http, "presence", { topic: "room:p" });
    expect(r.count).toBe(2);
    const list = r.clients as { client: string; user: string; info: unknown }[];
    expect(list.map((w) => w.user).sort()).toEqual(["ann", "bob"]);
    expect(list.find((w) => w.user === "ann")?.info).toEqual({ name: "ann" });
    const counted = await apiResult(http, "presence", { topic: "room:p", limit: 0 });
    expect(counted).toEqual({ count: 2, clients: [] });
    const off = await callApi(http, "presence", { topic: "bare" });
    expect(off.status).toBe(400);
    expect(off.body.error?.code).toBe(ErrorCode.PresenceDisabled);
  });

  it("history returns the last publications, or those after a position, and pages by offset", async () => {
    await start();
    for (let i = 1; i <= 5; i++) await apiResult(http, "publish", { topic: "room:h", data: { i }, key: `k${i % 2}` });
    const last = await apiResult(http, "history", { topic: "room:h", limit: 3 });
    const pubs = last.publications as { offset: number; data: { i: number }; key: string; time: number }[];
    expect(last.offset).toBe(5);
    expect(pubs.map((p) => [p.offset, p.data.i, p.key])).toEqual([
      [3, 3, "k1"],
      [4, 4, "k0"],
      [5, 5, "k1"],
    ]);
    expect(pubs[0]?.time).toBeGreaterThan(Date.now() - 60_000);
    const epoch = last.epoch as string;
    const page = await apiResult(http, "history", { topic: "room:h", since: { epoch, offset: 1 }, limit: 2 });
    expect(page.recovered).toBe(true);
    expect((page.publications as { offset: number }[]).map((p) => p.offset)).toEqual([2, 3]);
    const stale = await apiResult(http, "history", { topic: "room:h", since: { epoch: "other", offset: 1 } });
    expect(stale).toMatchObject({ epoch, offset: 5, recovered: false, publications: [] });
    const position = await apiResult(http, "history", { topic: "room:h", limit: 0 });
    expect(position).toEqual({ epoch, offset: 5, publications: [] });
    const none = await callApi(http, "history", { topic: "bare" });
    expect(none.status).toBe(400);
    expect(none.body.error?.code).toBe(ErrorCode.HistoryUnavailable);
  });

  it("topics lists this node's topics with their subscriber counts", async () => {
    await start();
    const ann = await client("ann");
    const bob = await client("bob");
    await ann.client.subscribe("room:x", () => {}).ready;
    await bob.client.subscribe("room:x", () => {}).ready;
    await bob.client.subscribe("other", () => {}).ready;
    const r = await apiResult(http, "topics", { prefix: "room:" });
    expect(r).toEqual({ node: app?.nodeId, count: 1, topics: [{ topic: "room:x", subscribers: 2 }] });
    expect((await apiResult(http, "topics", {})).count).toBe(2);
  });
});

describe("server API: disconnect", () => {
  it("closes every connection of a user with 4506 (no reconnect), and no one else's", async () => {
    await start();
    const ann1 = await client("ann");
    const ann2 = await client("ann");
    const bob = await client("bob");
    expect(await apiResult(http, "disconnect", { user: "ann" })).toEqual({});
    await until(() => ann1.client.state === "disconnected" && ann2.client.state === "disconnected");
    expect(ann1.states.at(-1)).toEqual(["disconnected", CloseCode.ForceDisconnect]);
    expect(ann2.states.at(-1)).toEqual(["disconnected", CloseCode.ForceDisconnect]);
    expect(bob.client.state).toBe("connected");
    expect([...(app?.clients() ?? [])].map((c) => c.user?.id)).toEqual(["bob"]);
  });

  it("with client, closes only that connection; with reconnect, 4009 and the client comes back", async () => {
    const server = await start();
    const ann1 = await client("ann");
    const ann2 = await client("ann");
    const sessions = [...server.clients()].map((c) => c.id);
    const seen = ann1.states.length;
    await apiResult(http, "disconnect", { user: "ann", client: sessions[0], reconnect: true, reason: "roles changed" });
    await until(() => ann1.states.length > seen && ann1.client.state === "connected");
    expect(ann1.states.slice(seen)).toEqual([
      ["connecting", CloseCode.ForceReconnect],
      ["connected", expect.any(Number)],
    ]);
    expect(ann2.states.at(-1)?.[0]).toBe("connected");
    expect(ann2.states.some(([, code]) => code === CloseCode.ForceReconnect)).toBe(false);
  });
});

describe("server API: who may call it", () => {
  it("refuses a missing or wrong key with 401 (code 2000) and accepts every configured key and header form", async () => {
    await start();
    const body = { topic: "room:auth", data: 1 };
    const none = await callApi(http, "publish", body, { authorization: "" });
    expect(none.status).toBe(401);
    expect(none.body.error?.code).toBe(ErrorCode.Unauthorized);
    expect(none.headers["www-authenticate"]).toBe("apikey");
    for (const authorization of [
      `apikey ${API_KEY}x`,
      `apikey ${API_KEY.slice(0, -1)}`,
      "apikey ",
      `Basic ${API_KEY}`,
    ]) {
      const wrong = await callApi(http, "publish", body, { authorization });
      expect(wrong.status, authorization).toBe(401);
      expect(wrong.body.error?.code).toBe(ErrorCode.Unauthorized);
    }
    const ok: Record<string, string>[] = [
      { authorization: `apikey ${API_KEY}` },
      { authorization: `Bearer ${API_KEY}` },
      { authorization: "", "x-api-key": API_KEY },
      { authorization: "apikey another-key-that-is-long" },
    ];
    for (const headers of ok) expect((await callApi(http, "publish", body, headers)).status).toBe(200);
    // Nothing was published by the refused calls.
    expect((await apiResult(http, "history", { topic: "room:auth", limit: 0 })).offset).toBe(ok.length);
  });

  it("refuses requests from web pages unless their exact origin is allowed; checks Host against allowedHosts", async () => {
    await start({ allowedOrigins: ["*", "https://admin.example"] });
    const body = { topic: "room:o", data: 1 };
    const page = await callApi(http, "publish", body, { origin: "https://evil.example" });
    expect(page.status).toBe(403);
    expect(page.body.error?.code).toBe(ErrorCode.Forbidden);
    expect((await callApi(http, "publish", body, { origin: "https://admin.example" })).status).toBe(200);
    await app?.close();
    await start({ allowedHosts: ["api.internal"] });
    const rebound = await callApi(http, "publish", body, { host: "evil.example" });
    expect(rebound.status).toBe(403);
    expect(rebound.body.error).toEqual({ code: ErrorCode.Forbidden, message: "Host not allowed (allowedHosts)" });
    expect((await callApi(http, "publish", body, { host: "api.internal:8080" })).status).toBe(200);
  });

  it("is off without keys, and refuses keys shorter than 16 bytes at startup", async () => {
    await start({ serverApi: { keys: [] } });
    expect((await callApi(http, "publish", { topic: "room:1", data: 1 })).status).toBe(404);
    expect(() => createServer({ serverApi: { keys: ["short"] } })).toThrow(/at least 16 bytes/);
  });

  it("serves under another path when configured", async () => {
    await start({ serverApi: { keys: [API_KEY], path: "/internal/dashwire/" } });
    const r = await callApi(http, "publish", { topic: "room:1", data: 1 }, {}, { path: "/internal/dashwire" });
    expect(r.status).toBe(200);
  });
});
