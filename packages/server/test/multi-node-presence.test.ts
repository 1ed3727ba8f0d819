import { RedisBroker } from "@dashwire/broker-redis";
import { type Client, connect } from "@dashwire/client/node";
import { createServer, type DashwireServer } from "@dashwire/server";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "./until.js";

const REDIS = process.env.DASHWIRE_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const nodes: DashwireServer[] = [];
const clients: Client[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const n of nodes.splice(0)) await n.close();
});

describe("presence across nodes", () => {
  it("every node lists every client, with joins and leaves from the other nodes", async () => {
    const prefix = `dw-presence-${process.pid}-${Date.now()}:`;
    const urls: string[] = [];
    for (let i = 0; i < 3; i++) {
      const node = createServer({ logLevel: "silent", broker: new RedisBroker({ connection: REDIS, prefix }) });
      node.topic("room", { presence: true });
      node.useConnect((ctx) => {
        ctx.user = { id: String(ctx.data) };
      });
      const { port } = await node.listen(0, "127.0.0.1");
      nodes.push(node);
      urls.push(`ws://127.0.0.1:${port}/dashwire`);
    }
    const names = ["ann", "bob", "cat"];
    const joins = new Map<string, string[]>(names.map((n) => [n, []]));
    const leaves = new Map<string, string[]>(names.map((n) => [n, []]));
    for (const [i, name] of names.entries()) {
      const c = connect(urls[i] as string, { data: name });
      clients.push(c);
      const sub = c.subscribe("room", () => {}, { presence: true });
      sub.on("join", (who) => joins.get(name)?.push(who.user ?? "?"));
      sub.on("leave", (who) => leaves.get(name)?.push(who.user ?? "?"));
      await sub.ready;
    }
    // Every node answers with all three, whichever node the asking client is on.
    const listed = async (c: Client) => (await c.presence("room")).clients.map((w) => w.user).sort();
    for (const c of clients) {
      const end = Date.now() + 5000;
      while ((await listed(c)).length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(await listed(c)).toEqual(["ann", "bob", "cat"]);
    }
    // ann was first: she saw bob and cat join, from other nodes.
    await until(() => (joins.get("ann") ?? []).length >= 2);
    expect([...(joins.get("ann") ?? [])].sort()).toEqual(["bob", "cat"]);
    // bob leaves: ann (node 0) and cat (node 2) see it, and the lists shrink everywhere.
    clients[1]?.close();
    await until(() => leaves.get("ann")?.includes("bob") === true && leaves.get("cat")?.includes("bob") === true);
    expect(await listed(clients[0] as Client)).toEqual(["ann", "cat"]);
    expect((await (clients[2] as Client).presence("room")).count).toBe(2);
  });
});
