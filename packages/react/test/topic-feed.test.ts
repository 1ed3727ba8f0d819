/**
 * The topic feed behind `useTopic`/`usePresence`, against a real dashwire server and the real
 * Node client: one SDK subscription shared by every consumer, what each mode keeps and its
 * bounds, the mode upgrade, the reset after a resume that did not recover, presence, refusals.
 * (The hooks themselves run in Chromium: test/browser/react.browser.test.ts.)
 */
import { type Client, connect } from "@dashwire/client/node";
import { createServer, type DashwireServer, ErrorCode } from "@dashwire/server";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../../server/test/until.js";
import { acquireFeed, peekFeed, releaseFeed } from "../src/feed-registry.js";
import type { FeedWants } from "../src/topic-feed.js";

const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function start(port = 0): Promise<{ app: DashwireServer; port: number }> {
  const app = createServer({ logLevel: "silent" });
  app.topic("feed", { history: { size: 100 }, presence: true });
  app.topic("secret", { canSubscribe: () => false });
  const addr = await app.listen(port, "127.0.0.1");
  return { app, port: addr.port };
}

function client(port: number, options: Parameters<typeof connect>[1] = {}): Client {
  const c = connect(`ws://127.0.0.1:${port}/dashwire`, {
    reconnect: { minDelayMs: 20, maxDelayMs: 100, factor: 2 },
    ...options,
  });
  stops.push(() => c.close());
  return c;
}

function wants(over: Partial<FeedWants> = {}): FeedWants {
  return {
    mode: "stream",
    maxRate: undefined,
    snapshot: false,
    last: undefined,
    limit: 100,
    maxKeys: 100,
    presence: false,
    ...over,
  };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("topic feed", () => {
  it("serves every consumer of a topic from one SDK subscription, kept across a release and re-acquire in one task", async () => {
    const { app, port } = await start();
    stops.push(() => app.close());
    const c = client(port);
    const a = wants();
    const b = wants();
    const feed = acquireFeed(c, "feed", a);
    expect(acquireFeed(c, "feed", b)).toBe(feed);
    const sub = c.subscription("feed");
    await sub?.ready;
    let told = 0;
    feed.listen(() => told++);
    for (let i = 1; i <= 3; i++) await app.publish("feed", i);
    await until(() => feed.state.items.length === 3, 5000, "three items");
    expect(feed.state.items.map((i) => i.data)).toEqual([1, 2, 3]);
    expect(feed.state.data).toBe(3);
    expect(feed.state.status).toBe("subscribed");
    expect(told).toBeGreaterThan(0);
    // StrictMode: cleanup then setup again in the same task keeps the subscription.
    releaseFeed(c, feed, a);
    releaseFeed(c, feed, b);
    expect(acquireFeed(c, "feed", a)).toBe(feed);
    await tick();
    expect(c.subscription("feed")).toBe(sub);
    // The last release unsubscribes after the task.
    releaseFeed(c, feed, a);
    expect(c.subscription("feed")).toBe(sub);
    await tick();
    expect(c.subscription("feed")).toBeUndefined();
    expect(peekFeed(c, "feed")).toBeUndefined();
  });

  it("notifies once per frame, however many publications it carries", async () => {
    const { app, port } = await start();
    stops.push(() => app.close());
    const c = client(port);
    const feed = acquireFeed(c, "feed", wants());
    await c.subscription("feed")?.ready;
    await tick();
    let told = 0;
    feed.listen(() => told++);
    // Published in one turn: the server batches them into one frame.
    await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((i) => app.publish("feed", i)));
    await until(() => feed.state.items.length === 8, 5000, "eight items");
    expect(told).toBeLessThan(8);
  });

  it("keeps at most `limit` stream items and `maxKeys` keys (the key updated longest ago goes)", async () => {
    const { app, port } = await start();
    stops.push(() => app.close());
    const c = client(port);
    const feed = acquireFeed(c, "feed", wants({ limit: 5, maxKeys: 2 }));
    await c.subscription("feed")?.ready;
    for (let i = 1; i <= 12; i++) await app.publish("feed", i, { key: `k${i % 3}` });
    await until(() => feed.state.data === 12, 5000, "last publication");
    expect(feed.state.items.map((i) => i.data)).toEqual([8, 9, 10, 11, 12]);
    expect(feed.state.items.map((i) => i.seq)).toEqual([7, 8, 9, 10, 11]);
    // k1 (10) was updated before k2 (11) and k0 (12): it was evicted.
    expect([...feed.state.values.entries()]).toEqual([
      ["k2", 11],
      ["k0", 12],
    ]);
  });

  it("turns a latest subscription into a stream when a stream consumer comes, and never back while running", async () => {
    const { app, port } = await start();
    stops.push(() => app.close());
    const c = client(port);
    const latest = wants({ mode: "latest", maxRate: 5 });
    const feed = acquireFeed(c, "feed", latest);
    expect(c.subscription("feed")?.options).toMatchObject({ mode: "latest", maxRate: 5 });
    // A faster latest consumer re-subscribes at its rate, with a snapshot so no key is missing.
    acquireFeed(c, "feed", wants({ mode: "latest", maxRate: 20 }));
    expect(c.subscription("feed")?.options).toMatchObject({ mode: "latest", maxRate: 20, snapshot: true });
    const stream = wants();
    acquireFeed(c, "feed", stream);
    const sub = c.subscription("feed");
    expect(sub?.options.mode).toBe("stream");
    await sub?.ready;
    for (let i = 1; i <= 3; i++) await app.publish("feed", i);
    await until(() => feed.state.items.length === 3, 5000, "stream items");
    releaseFeed(c, feed, stream);
    acquireFeed(c, "feed", wants({ mode: "latest", maxRate: 1 }));
    expect(c.subscription("feed")).toBe(sub);
  });

  it("after a resume that did not recover, counts a reset and flags the first new item", async () => {
    const first = await start();
    const c = client(first.port);
    const feed = acquireFeed(c, "feed", wants());
    await c.subscription("feed")?.ready;
    await first.app.publish("feed", "a");
    await first.app.publish("feed", "b");
    await until(() => feed.state.items.length === 2, 5000, "two items");
    expect(feed.state.resets).toBe(0);
    // A new server on the same port: a memory broker starts a new epoch, history is gone.
    await first.app.close();
    await until(() => feed.state.status === "subscribing", 5000, "subscription waiting");
    const second = await start(first.port);
    stops.push(() => second.app.close());
    await until(() => feed.state.resets === 1, 10_000, "a reset");
    expect(feed.state.recovered).toBe(false);
    expect(feed.state.resetSeq).toBe(2);
    await second.app.publish("feed", "c");
    await until(() => feed.state.items.length === 3, 5000, "the new item");
    expect(feed.state.items.map((i) => [i.data, i.afterBreak])).toEqual([
      ["a", false],
      ["b", false],
      ["c", true],
    ]);
  });

  it("keeps presence from the list and join/leave events", async () => {
    const { app, port } = await start();
    stops.push(() => app.close());
    const a = client(port);
    const feed = acquireFeed(a, "feed", wants({ mode: undefined, presence: true }));
    expect(a.subscription("feed")?.options).toMatchObject({ mode: "latest", presence: true });
    await until(() => feed.presenceState.count === 1, 5000, "own presence");
    expect(feed.presenceState.ready).toBe(true);
    const b = client(port);
    await b.subscribe("feed", () => {}).ready;
    await until(() => feed.presenceState.count === 2, 5000, "b joined");
    expect(feed.presenceState.clients.map((w) => w.client)).toContain(b.info?.session);
    b.close();
    await until(() => feed.presenceState.count === 1, 5000, "b left");
    expect(feed.presenceState.clients.map((w) => w.client)).not.toContain(b.info?.session);
  });

  it("reports a refused subscription as its error", async () => {
    const { app, port } = await start();
    stops.push(() => app.close());
    const c = client(port);
    const feed = acquireFeed(c, "secret", wants());
    await until(() => feed.state.error !== undefined, 5000, "a refusal");
    expect(feed.state.status).toBe("unsubscribed");
    expect((feed.state.error as { code?: number }).code).toBe(ErrorCode.Forbidden);
  });
});
