import { RedisBroker } from "@dashwire/broker-redis";
import { type Client, type ClientState, connect } from "@dashwire/client/node";
import { CloseCode } from "@dashwire/protocol";
import { createServer, type DashwireServer } from "@dashwire/server";
import { afterEach, describe, expect, it } from "vitest";
import { API_KEY, apiResult } from "./server-api-client.js";
import { until } from "./until.js";

/** The server API on a cluster over Redis: what is asked of node A happens on node B. */

const REDIS = process.env.DASHWIRE_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const nodes: DashwireServer[] = [];
const clients: Client[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const n of nodes.splice(0)) await n.close();
});

/** Two nodes on one Redis under a prefix of their own; returns their HTTP and WebSocket URLs. */
async function twoNodes(): Promise<{ http: string; ws: string }[]> {
  const prefix = `dw-api-${process.pid}-${Date.now()}:`;
  const out: { http: string; ws: string }[] = [];
  for (let i = 0; i < 2; i++) {
    const node = createServer({
      logLevel: "silent",
      broker: new RedisBroker({ connection: REDIS, prefix }),
      serverApi: { keys: [API_KEY] },
    });
    nodes.push(node);
    node.topic("room:*", { presence: true, history: { size: 100 } });
    node.useConnect((ctx) => {
      ctx.user = { id: String((ctx.data as { user: string }).user) };
    });
    const { port } = await node.listen(0, "127.0.0.1");
    out.push({ http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}/dashwire` });
  }
  return out;
}

describe("server API across nodes (Redis)", () => {
  it("publish, presence, history and disconnect sent to node A act on a client of node B", async () => {
    const [a, b] = (await twoNodes()) as [{ http: string; ws: string }, { http: string; ws: string }];
    const bob = connect(b.ws, { data: { user: "bob" } });
    const cat = connect(b.ws, { data: { user: "cat" } });
    clients.push(bob, cat);
    const states: [ClientState, number][] = [];
    bob.on("state", (s, r) => states.push([s, r.code]));
    const got: [unknown, number][] = [];
    await bob.subscribe("room:1", (d, pub) => got.push([d, pub.offset])).ready;
    await cat.subscribe("room:1", () => {}).ready;

    const pub = await apiResult(a.http, "publish", { topic: "room:1", data: { v: 1 } });
    await until(() => got.length === 1, 10_000);
    expect(got).toEqual([[{ v: 1 }, pub.offset]]);

    // Node A has no subscriber of room:1: it asks the other nodes for their lists.
    const presence = await apiResult(a.http, "presence", { topic: "room:1" });
    expect(presence.count).toBe(2);
    expect((presence.clients as { user: string }[]).map((w) => w.user).sort()).toEqual(["bob", "cat"]);

    const history = await apiResult(a.http, "history", { topic: "room:1" });
    expect(history.publications).toEqual([{ offset: pub.offset, time: expect.any(Number), data: { v: 1 } }]);

    expect(await apiResult(a.http, "disconnect", { user: "bob" })).toEqual({});
    await until(() => bob.state === "disconnected", 10_000);
    expect(states.at(-1)).toEqual(["disconnected", CloseCode.ForceDisconnect]);
    expect(cat.state).toBe("connected");
    // Node A keeps following the topic it was asked about: bob's leave reaches its list.
    await until(async () => (await apiResult(a.http, "presence", { topic: "room:1" })).count === 1, 10_000);
  });
});
