/**
 * A live feed whose subscription the server refused for now or left unanswered (the SDK's
 * `error` event: a retryable code, or 4002 Timeout) says so on its panel until the server
 * confirms, in Node with a scripted `LiveClient`: it used to show "live" with nothing coming.
 * (The back-fill has no page to ask in Node and fails; the live error is shown before it.)
 *
 * The feeds a panel starts together read one window, so their back-fills share one request
 * (`query-batch.ts`), here with a recording `fetch`. Each feed used to read the clock itself:
 * feeds started across a step boundary asked for two windows, sent as two requests (seen once
 * in CI, a ten-series panel's first request naming two series).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { LiveClient, LiveSubscription, LiveSubscriptionEvents } from "../../ui/src/live/live-client.js";
import { SeriesFeed } from "../../ui/src/live/series-feed.js";

type Emit = <K extends keyof LiveSubscriptionEvents>(event: K, ...args: Parameters<LiveSubscriptionEvents[K]>) => void;

/** A `LiveClient` whose one subscription the test drives through `emit`. */
function scripted(): { client: LiveClient; emit: Emit } {
  const listeners = new Map<string, Set<(...args: never[]) => void>>();
  const sub: LiveSubscription = {
    ready: new Promise(() => {}),
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener as (...args: never[]) => void);
      return () => set.delete(listener as (...args: never[]) => void);
    },
    unsubscribe() {},
  };
  const client: LiveClient = {
    state: "connected",
    transport: "websocket",
    onState: () => () => {},
    onAuthRefused: () => () => {},
    subscribe: () => sub,
    presence: () => Promise.resolve({ count: 0, clients: [] }),
    close() {},
  };
  const emit: Emit = (event, ...args) => {
    for (const l of listeners.get(event) ?? []) (l as (...a: unknown[]) => void)(...args);
  };
  return { client, emit };
}

describe("SeriesFeed status", () => {
  it("shows a subscribe error until the server confirms, then clears it", () => {
    const { client, emit } = scripted();
    let changes = 0;
    const feed = new SeriesFeed(client, { series: "cpu,host=a" }, () => changes++);
    feed.start();
    expect(feed.state).toBe("live");
    expect(feed.subscribed).toBe(false);
    emit("error", { code: 4002, message: "no answer to subscribe metrics:cpu,host=a in 10000 ms" });
    expect(feed.error).toBe("not live: no answer to subscribe metrics:cpu,host=a in 10000 ms (code 4002)");
    expect(changes).toBeGreaterThan(0);
    emit("subscribed", { recovered: false });
    expect(feed.subscribed).toBe(true);
    expect(feed.error ?? "").not.toContain("not live");
    feed.stop();
  });
});

describe("SeriesFeed windows", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it("starts a panel's feeds on one window even when the clock crosses a step boundary meanwhile", async () => {
    const bodies: Array<{ series: string[]; from: number; to: number }> = [];
    vi.stubGlobal("document", { baseURI: "http://dashwire.test/" });
    vi.stubGlobal(
      "fetch",
      vi.fn(async (_url: string, init: { body: string }) => {
        bodies.push(JSON.parse(init.body));
        return new Response(JSON.stringify({ step: 1000, from: 0, to: 0, results: [] }));
      }),
    );
    // Every reading of the clock is 1 ms later, starting 3 ms before a second ends.
    let now = 1_800_000_000_000 - 3;
    vi.spyOn(Date, "now").mockImplementation(() => now++);
    const series = Array.from({ length: 10 }, (_, i) => `load,host=h${i}`);
    const feeds = series.map((s) => new SeriesFeed(scripted().client, { series: s, step: 1000 }, () => {}));
    for (const feed of feeds) feed.start();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(bodies.map((b) => b.series.length)).toEqual([10]);
    for (const feed of feeds) feed.stop();
  });
});
