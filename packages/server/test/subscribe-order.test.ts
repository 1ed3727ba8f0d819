/**
 * `sub` and `unsub` of one topic are served in the order they were sent, even when they arrive
 * in one frame while the topic's `canSubscribe` hook is still deciding. A client that replaces
 * its subscription (the dashboard's topic sharing does: `unsub` + `sub` with wider options, in
 * the same frame as the first `sub`) gets its new subscribe answered; it was never answered,
 * and the panel waited forever for a confirmation (found from the time-range browser test).
 */
import { ErrorCode } from "@dashwire/protocol";
import { createServer, type DashwireServer } from "@dashwire/server";
import { afterEach, describe, expect, it } from "vitest";
import { RawClient } from "./raw-client.js";

let server: DashwireServer;
let url: string;
const clients: RawClient[] = [];

/** A server whose `feed:*` hook waits for `release()`: every `sub` is held in the hook until then. */
async function start(): Promise<{ release: () => void; asked: () => number }> {
  server = createServer({ logLevel: "silent" });
  let asked = 0;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  server.topic("feed:*", {
    canSubscribe: async () => {
      asked++;
      await gate;
      return true;
    },
  });
  const { port } = await server.listen(0, "127.0.0.1");
  url = `ws://127.0.0.1:${port}/dashwire`;
  return { release: open, asked: () => asked };
}

/** Topics the server's only connection holds. */
function topics(): string[] {
  return [...server.clients()].flatMap((c) => [...c.topics()]);
}

/** Starts the server, connects a client and sends `messages` as one frame (none: no frame). */
async function sendFrame(
  messages: Record<string, unknown>[],
): Promise<{ c: RawClient; release: () => void; asked: () => number }> {
  const gate = await start();
  server.on("nop", () => null);
  const c = await RawClient.connect(url);
  clients.push(c);
  if (messages.length > 0) c.send(JSON.stringify(messages));
  return { c, ...gate };
}

/** The answer to request `id`. */
function ack(c: RawClient, id: number): Promise<Record<string, unknown>> {
  return c.next((m) => m.t === "ack" && m.id === id, 10_000);
}

/** The error code of an answer (undefined when it is not an error). */
function code(answer: Record<string, unknown>): number | undefined {
  return (answer.error as { code?: number } | undefined)?.code;
}

/** Waits until `asked()` reaches `n` (the hooks were called): events, not a sleep. */
async function hooked(c: RawClient, asked: () => number, n: number): Promise<void> {
  // An event's ack comes back after the frames sent before it were read: their hooks were entered.
  for (let i = 0; asked() < n; i++) {
    if (i > 1000) throw new Error(`hook asked ${asked()} times, expected ${n}`);
    await c.request({ t: "evt", event: "nop", data: null }, 9000 + i);
  }
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
});

describe("sub and unsub of one topic in one frame", () => {
  it("answers a subscribe that replaces one still in its canSubscribe hook, with its own options", async () => {
    const { c, release, asked } = await sendFrame([
      { t: "sub", id: 1, topic: "feed:a", mode: "stream" },
      { t: "unsub", topic: "feed:a" },
      { t: "sub", id: 2, topic: "feed:a", mode: "latest", maxRate: 5 },
    ]);
    await hooked(c, asked, 2);
    release();
    const second = await ack(c, 2);
    expect(second.error).toBeUndefined();
    expect(second.data).toMatchObject({ recovered: false });
    // The first one is answered too (it was ended before it was ready), so nothing is left open.
    expect(code(await ack(c, 1))).toBe(ErrorCode.NotSubscribed);
    // One subscription, the second one's: one subscriber, and the publication arrives.
    expect(topics()).toEqual(["feed:a"]);
    const pub = await server.publish("feed:a", { v: 1 }, { reportBackpressure: true });
    expect(pub.backpressure?.subscribers).toBe(1);
    await c.next((m) => m.t === "msg" && (m.d as { v: number }).v === 1, 10_000);
  });

  it("ends a subscribe that its unsub overtook in the hook: the server keeps no subscription", async () => {
    const { c, release, asked } = await sendFrame([
      { t: "sub", id: 1, topic: "feed:b" },
      { t: "unsub", id: 2, topic: "feed:b" },
    ]);
    await hooked(c, asked, 1);
    // The unsub is answered as done, not "not subscribed": it ended the subscribe in flight.
    expect((await ack(c, 2)).error).toBeUndefined();
    release();
    expect(code(await ack(c, 1))).toBe(ErrorCode.NotSubscribed);
    expect(topics()).toEqual([]);
    const pub = await server.publish("feed:b", { v: 1 }, { reportBackpressure: true });
    expect(pub.backpressure?.subscribers).toBe(0);
  });

  it("ends a server-side join still in its hook when server code leaves the topic", async () => {
    const { c, release, asked } = await sendFrame([]);
    const client = [...server.clients()][0];
    if (client === undefined) throw new Error("no connection");
    const joined = client.join("feed:d");
    joined.catch(() => {});
    await hooked(c, asked, 1);
    expect(client.leave("feed:d")).toBe(true);
    release();
    await expect(joined).rejects.toMatchObject({ code: ErrorCode.NotSubscribed });
    expect(topics()).toEqual([]);
    expect(c.messages.some((m) => m.t === "subscribed")).toBe(false);
  });

  it("refuses a second subscribe while the first is in its hook, coded, and still answers the first", async () => {
    const { c, release, asked } = await sendFrame([
      { t: "sub", id: 1, topic: "feed:c" },
      { t: "sub", id: 2, topic: "feed:c" },
    ]);
    expect(code(await ack(c, 2))).toBe(ErrorCode.AlreadySubscribed);
    await hooked(c, asked, 1);
    release();
    expect((await ack(c, 1)).error).toBeUndefined();
  });
});
