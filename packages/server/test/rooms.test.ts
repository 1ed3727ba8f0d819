/**
 * Server-side subscriptions ("rooms", issue 19) over every transport of the contract suite:
 * `client.join` / `client.leave` from server code, the topic's `canSubscribe` rule, and resume
 * after the transport is killed, exactly as for a subscription the client made itself.
 */
import type { Subscription, TransportName } from "@dashwire/client/node";
import { type Client as ServerClient, DashwireError } from "@dashwire/server";
import { describe, expect, it } from "vitest";
import { client, faultProxy, publishThroughCuts, server, start } from "./transport-fixture.js";
import { until } from "./until.js";

/** The one connection the server has (tests here connect one client). */
function only(): ServerClient {
  const all = [...server.clients()];
  expect(all).toHaveLength(1);
  return all[0] as ServerClient;
}

describe.each(["websocket", "sse", "polling"] as const)("rooms: %s", (name) => {
  const forced = { transports: [name] as TransportName[] };

  it("server code joins a client to a topic and takes it out; the client sees both", async () => {
    await start();
    server.topic("org:*", { history: { size: 100 } });
    const c = client(forced);
    const joined: [string, boolean][] = [];
    const left: string[] = [];
    const got: [string, unknown][] = [];
    c.on("subscribed", (topic, sub) => joined.push([topic, sub.serverSide]));
    c.on("unsubscribed", (topic) => left.push(topic));
    c.on("publication", (topic, data) => got.push([topic, data]));
    const feed: unknown[] = [];
    await c.subscribe("feed", (d) => feed.push(d)).ready;
    await expect(only().join("org:acme")).resolves.toBe(true);
    await expect(only().join("org:acme")).resolves.toBe(false);
    await until(() => joined.length === 1);
    expect(joined).toEqual([["org:acme", true]]);
    expect([...only().topics()].sort()).toEqual(["feed", "org:acme"]);
    await server.publish("org:acme", { n: 1 });
    await until(() => got.length === 1);
    expect(got).toEqual([["org:acme", { n: 1 }]]);
    expect(only().leave("org:acme")).toBe(true);
    expect(only().leave("org:acme")).toBe(false);
    await until(() => left.length === 1);
    expect(c.subscription("org:acme")).toBeUndefined();
    // After the leave nothing more arrives: a later publication on another topic is the witness.
    await server.publish("org:acme", { n: 2 });
    await server.publish("feed", "after");
    await until(() => feed.length === 1);
    expect(got).toEqual([["org:acme", { n: 1 }]]);
  });

  it("follows the topic's canSubscribe rule: a refused join rejects with 2003 and the client sees nothing", async () => {
    await start();
    server.useConnect((ctx) => {
      ctx.user = { id: String(ctx.token) };
    });
    server.topic("board:*", { canSubscribe: ({ client: who }) => who.user?.id === "boss" });
    const c = client({ ...forced, token: "intern" });
    const joined: string[] = [];
    c.on("subscribed", (topic) => joined.push(topic));
    await until(() => c.state === "connected");
    const refusal = only().join("board:q3");
    await expect(refusal).rejects.toBeInstanceOf(DashwireError);
    await expect(refusal).rejects.toMatchObject({ code: 2003 });
    await expect(only().join("bad topic")).rejects.toMatchObject({ code: 1006 });
    expect([...only().topics()]).toEqual([]);
    // The round trip of an event proves no `subscribed` was on its way.
    expect(await c.emit("add", { a: 1, b: 1 })).toBe(2);
    expect(joined).toEqual([]);
  });

  for (const where of ["once, from an event handler", "at every connect, from a connection listener"] as const) {
    it(`a server-side subscription made ${where} resumes after the transport is killed: every offset once, in order`, async () => {
      await start();
      server.topic("org:*", { history: { size: 5000 } });
      if (where.startsWith("once")) server.on("enter", (_d: unknown, ctx) => ctx.client.join("org:acme"));
      else server.events.on("connection", (cl) => void cl.join("org:acme").catch(() => {}));
      const [proxy, url] = await faultProxy();
      const c = client(forced, url);
      const offsets: number[] = [];
      const recovered: boolean[] = [];
      let sub: Subscription | undefined;
      c.on("subscribed", (_topic, s) => {
        sub = s;
        s.on("subscribed", (r) => recovered.push(r.recovered));
      });
      c.on("publication", (_topic, _data, info) => offsets.push(info.offset));
      if (where.startsWith("once")) await c.emit("enter", null);
      await until(() => sub !== undefined);
      const total = 400;
      const cuts = await publishThroughCuts("org:acme", total, [80, 250], proxy, c, () => offsets.length);
      await until(() => offsets.length >= total, 15_000, `${total} deliveries (got ${offsets.length})`);
      // A later publication on the same topic is the witness that no duplicate is still coming.
      await server.publish("org:acme", "end");
      await until(() => offsets.length === total + 1);
      expect(cuts).toBe(2);
      expect(offsets).toEqual(Array.from({ length: total + 1 }, (_, i) => i + 1));
      // Each resume recovered (never a fresh start that would skip what was missed).
      expect(recovered.length).toBeGreaterThanOrEqual(2);
      expect(recovered.every((r) => r)).toBe(true);
      expect(c.subscription("org:acme")).toBe(sub);
    });
  }
});
