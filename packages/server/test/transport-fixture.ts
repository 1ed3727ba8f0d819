/**
 * Shared setup of the transport tests: a server on port 0 with the topics and handler they use,
 * clients that reconnect fast, and cleanup after each test. `server` and `port` are live
 * bindings (they change with each `start`).
 */
import { type Client, connect } from "@dashwire/client/node";
import { msgpackCodec } from "@dashwire/protocol/msgpack";
import { createServer, type DashwireServer } from "@dashwire/server";
import { afterEach } from "vitest";
import { TcpProxy } from "./tcp-proxy.js";

export let server: DashwireServer;
export let port: number;
/** Clients closed after each test. */
export const clients: Client[] = [];
/** Cleanups run after each test (proxies and the like). */
export const closers: (() => Promise<void>)[] = [];
/** Fast reconnect delays for tests. */
export const fast = { minDelayMs: 20, maxDelayMs: 100 };

/** Starts the server of a test: JSON by default, MessagePack for clients that ask (issue 19). */
export async function start(options: Parameters<typeof createServer>[0] = {}): Promise<void> {
  server = createServer({ logLevel: "silent", codecs: [msgpackCodec], ...options });
  server.topic("feed", { history: { size: 5000 } });
  server.topic("chat", { clientPublish: true, history: { size: 5000 } });
  server.on("add", (d: { a: number; b: number }) => d.a + d.b);
  ({ port } = await server.listen(0, "127.0.0.1"));
}

/** The WebSocket URL of the server (or of a proxy on `p`). */
export const endpoint = (p = port) => `ws://127.0.0.1:${p}/dashwire`;

/** A client closed after the test. */
export function client(options: Parameters<typeof connect>[1] = {}, url = endpoint()): Client {
  const c = connect(url, { reconnect: fast, ...options });
  clients.push(c);
  return c;
}

/** A TCP proxy in front of the server (closed after the test) and the URL through it. */
export async function faultProxy(): Promise<[TcpProxy, string]> {
  const proxy = new TcpProxy(port);
  closers.push(() => proxy.close());
  return [proxy, endpoint(await proxy.listen())];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Publishes 0..total-1 on `topic`, a few per turn, and kills the transport through `proxy` each
 * time `delivered()` reaches the next count of `cutAt` while `c` is connected. Returns the cuts made.
 */
export async function publishThroughCuts(
  topic: string,
  total: number,
  cutAt: number[],
  proxy: TcpProxy,
  c: Client,
  delivered: () => number,
): Promise<number> {
  // The path stays down until the client noticed: a polling client retries a cut poll at once
  // (poll-retry.test.ts), so only a path that refuses those retries too kills its transport.
  c.on("state", (state) => {
    if (state === "connecting") proxy.refuse = false;
  });
  let cuts = 0;
  for (let i = 0; i < total; i++) {
    void server.publish(topic, i);
    if (i % 5 === 4) await sleep(2);
    if (cuts < cutAt.length && delivered() >= (cutAt[cuts] as number) && c.state === "connected") {
      proxy.refuse = true;
      proxy.cut();
      cuts++;
    }
  }
  return cuts;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const close of closers.splice(0)) await close();
  await server?.close();
});
