/**
 * The feeds a panel starts together read one window, so their back-fills share one request
 * (`query-batch.ts`), in Node with a scripted `LiveClient` and a recording `fetch`. Each feed used
 * to read the clock itself: feeds started across a step boundary asked for two windows, sent as
 * two requests (seen once in CI, a ten-series panel's first request naming two series).
 */
import { afterEach, expect, it, vi } from "vitest";
import type { LiveClient, LiveSubscription } from "../../ui/src/live/live-client.js";
import { SeriesFeed } from "../../ui/src/live/series-feed.js";

const sub: LiveSubscription = { ready: new Promise(() => {}), on: () => () => {}, unsubscribe() {} };
const client: LiveClient = {
  state: "connected",
  transport: "websocket",
  onState: () => () => {},
  onAuthRefused: () => () => {},
  subscribe: () => sub,
  presence: () => Promise.resolve({ count: 0, clients: [] }),
  close() {},
};

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
  const feeds = series.map((s) => new SeriesFeed(client, { series: s, step: 1000 }, () => {}));
  for (const feed of feeds) feed.start();
  await new Promise((resolve) => setTimeout(resolve, 10));
  expect(bodies.map((b) => b.series.length)).toEqual([10]);
  for (const feed of feeds) feed.stop();
});
