/**
 * User-wide server-side subscriptions across nodes (issue 19): `server.join(user, topic)` on one
 * node subscribes that user's connections on every node (node channel over a real Redis), under
 * the topic's `canSubscribe` rule, and `server.leave` takes them all out.
 */
import { RedisBroker } from "@dashwire/broker-redis";
import { type Client, connect } from "@dashwire/client/node";
import { afterEach, describe, expect, it } from "vitest";
import { startNodes, type TestNode, until } from "./multi-node-harness.js";

const url = process.env.DASHWIRE_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const nodes: TestNode[] = [];
const clients: Client[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const n of nodes.splice(0)) await n.app.close();
});

describe("user-wide rooms on three nodes over Redis", () => {
  it("server.join reaches the user's connections on every node, follows canSubscribe, and server.leave undoes it", async () => {
    const prefix = `dwtest:rooms:${process.pid}:${Date.now()}:`;
    nodes.push(...(await startNodes(3, () => new RedisBroker({ connection: url, prefix }))));
    for (const { app } of nodes) {
      app.useConnect((ctx) => {
        ctx.user = { id: String(ctx.token) };
      });
      app.topic("org:*", { history: { size: 100 }, canSubscribe: ({ client: who }) => who.user?.id !== "guest" });
    }
    // Ann on every node, Bob on node 1, a guest on node 2.
    const seen = new Map<string, unknown[]>();
    const open = (node: TestNode, token: string, label: string) => {
      const c = connect(node.ws, { token, reconnect: { minDelayMs: 20, maxDelayMs: 100 } });
      clients.push(c);
      seen.set(label, []);
      c.on("publication", (_topic, data) => seen.get(label)?.push(data));
      return c;
    };
    const ann = nodes.map((n, i) => open(n, "ann", `ann${i}`));
    const bob = open(nodes[1] as TestNode, "bob", "bob");
    const guest = open(nodes[2] as TestNode, "guest", "guest");
    await until(() => [...ann, bob, guest].every((c) => c.state === "connected"));
    const a = (nodes[0] as TestNode).app;
    // The nodes find each other over Redis within a moment: retried until all three answered (a
    // join is idempotent: connections already in are counted as unchanged).
    let report = await a.join("ann", "org:acme");
    await until(async () => {
      report = await a.join("ann", "org:acme");
      return report.done + report.unchanged === 3;
    });
    expect(report.refused).toBe(0);
    await until(() => ann.every((c) => c.subscription("org:acme")?.state === "subscribed"));
    expect(bob.subscription("org:acme")).toBeUndefined();
    const refused = await a.join("guest", "org:acme");
    expect(refused).toMatchObject({ done: 0, refused: 1, error: { code: 2003 } });
    await a.publish("org:acme", "hello");
    await until(() => ann.every((_c, i) => seen.get(`ann${i}`)?.length === 1));
    expect(seen.get("bob")).toEqual([]);
    expect(seen.get("guest")).toEqual([]);
    const left = await a.leave("ann", "org:acme");
    expect(left).toMatchObject({ done: 3, refused: 0 });
    await until(() => ann.every((c) => c.subscription("org:acme") === undefined));
  });
});
