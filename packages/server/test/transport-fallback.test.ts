/**
 * What only a choice of transports has: fallback when WebSocket (and SSE) are blocked by a
 * proxy, the background upgrade to WebSocket while publications flow, and closing an HTTP
 * transport. The contract every transport meets is in transport-contract.test.ts.
 */
import { createHash } from "node:crypto";
import http from "node:http";
import net from "node:net";
import { connect as connectWithoutWs } from "@dashwire/client";
import { msgpackCodec } from "@dashwire/client/msgpack";
import { connect, jsonCodec, type TransportName } from "@dashwire/client/node";
import { createServer, DashwireError } from "@dashwire/server";
import { describe, expect, it } from "vitest";
import { client, clients, closers, endpoint, port, server, sleep, start } from "./transport-fixture.js";
import { until } from "./until.js";

/**
 * An HTTP proxy in front of the server that can refuse WebSocket upgrades (as corporate proxies
 * do), accept them and then pass nothing (a silently broken WebSocket), or refuse routes.
 */
class BlockingProxy {
  port = 0;
  websocket: "pass" | "refuse" | "silent" = "pass";
  readonly blocked = new Set<string>();
  readonly log: string[] = [];
  private readonly sockets = new Set<net.Socket>();
  private readonly server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] as string;
    this.log.push(`${req.method} ${path}`);
    if ([...this.blocked].some((route) => path.endsWith(route))) {
      req.resume();
      res.writeHead(403, { "content-type": "text/html" }).end("<h1>Blocked by proxy</h1>");
      return;
    }
    const up = http.request(
      { host: "127.0.0.1", port, method: req.method, path: req.url, headers: req.headers },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      },
    );
    up.on("error", () => res.destroy());
    res.on("close", () => up.destroy());
    req.pipe(up);
  });

  constructor() {
    this.server.on("connection", (s: net.Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    this.server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      this.log.push(`UPGRADE ${req.url}`);
      socket.on("error", () => {});
      if (this.websocket === "refuse") {
        socket.end("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        return;
      }
      if (this.websocket === "silent") {
        const accept = createHash("sha1")
          .update(`${req.headers["sec-websocket-key"]}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
          .digest("base64");
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\n\r\n`,
        );
        socket.resume();
        return;
      }
      const up = net.connect(port, "127.0.0.1", () => {
        const lines = [`${req.method} ${req.url} HTTP/1.1`];
        for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
        up.write(`${lines.join("\r\n")}\r\n\r\n`);
        up.write(head);
        socket.pipe(up);
        up.pipe(socket);
      });
      up.on("error", () => socket.destroy());
      socket.on("close", () => up.destroy());
      up.on("close", () => socket.destroy());
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as net.AddressInfo).port;
    closers.push(async () => {
      for (const s of this.sockets) s.destroy();
      await new Promise((r) => this.server.close(r));
    });
    return endpoint(this.port);
  }

  count(prefix: string): number {
    return this.log.filter((l) => l.startsWith(prefix)).length;
  }
}

/** A transport memory the test can see and seed. */
function memory(seed?: TransportName): {
  get(): TransportName | undefined;
  set(u: string, n: TransportName): void;
  saved: TransportName[];
} {
  const saved: TransportName[] = [];
  return {
    saved,
    get: () => saved.at(-1) ?? seed,
    set: (_u, n) => void saved.push(n),
  };
}

describe("fallback", () => {
  it("goes live over SSE when a proxy refuses WebSocket upgrades, and remembers it", async () => {
    await start();
    const proxy = new BlockingProxy();
    const url = await proxy.listen();
    proxy.websocket = "refuse";
    const mem = memory();
    const c = client({ transportMemory: mem, upgrade: false }, url);
    const announced: string[] = [];
    c.on("transport", (t) => announced.push(t));
    const got: unknown[] = [];
    await c.subscribe("feed", (d) => got.push(d)).ready;
    expect(c.transport).toBe("sse");
    expect(announced).toEqual(["sse"]);
    expect(mem.saved).toEqual(["sse"]);
    await server.publish("feed", "x");
    await until(() => got.length === 1);
    // A second client (a reload) starts with SSE: no WebSocket attempt at all.
    const upgrades = proxy.count("UPGRADE");
    const c2 = client({ transportMemory: mem, upgrade: false }, url);
    await until(() => c2.state === "connected");
    expect(c2.transport).toBe("sse");
    expect(proxy.count("UPGRADE")).toBe(upgrades);
  });

  it("does not fall back when the server itself refuses: a terminal code is final", async () => {
    await start();
    server.useConnect(() => {
      throw new DashwireError(2000, "who are you");
    });
    const proxy = new BlockingProxy();
    const c = client({ transportMemory: memory() }, await proxy.listen());
    await until(() => c.state === "disconnected");
    await sleep(100);
    expect(proxy.log).toEqual(["UPGRADE /dashwire"]);
  });

  it.each([
    ["json", jsonCodec],
    ["msgpack", msgpackCodec],
  ] as const)("falls back to long-polling when SSE is refused too (codec %s)", async (_name, codec) => {
    await start();
    const proxy = new BlockingProxy();
    const url = await proxy.listen();
    proxy.websocket = "refuse";
    proxy.blocked.add("/sse");
    const c = client({ codec, transportMemory: memory(), upgrade: false }, url);
    const got: unknown[] = [];
    await c.subscribe("feed", (d) => got.push(d)).ready;
    expect(c.transport).toBe("polling");
    const tried = proxy.log.slice(0, 3).map((line) => line.split("?")[0]);
    expect(tried).toEqual(["UPGRADE /dashwire", "GET /dashwire/sse", "POST /dashwire/poll"]);
    await server.publish("feed", { series: new Float32Array([1.5]) });
    await until(() => got.length === 1);
    // A msgpack client gets the typed array back; a JSON one its tag.
    expect(got[0]).toEqual({
      series: codec.binary
        ? new Float32Array([1.5])
        : { $bin: "f32", b64: Buffer.from(new Float32Array([1.5]).buffer).toString("base64") },
    });
  });

  it("skips a transport that cannot be created here, or whose constructor throws", async () => {
    await start();
    const errors: string[] = [];
    const throwing = client({
      transports: ["websocket", "polling"],
      transportMemory: memory(),
      WebSocket: class {
        constructor() {
          throw new Error("WebSocket disabled by policy");
        }
      } as unknown as NonNullable<Parameters<typeof connect>[1]>["WebSocket"],
    });
    throwing.on("error", (e) => errors.push(e.message));
    await until(() => throwing.state === "connected");
    expect(throwing.transport).toBe("polling");
    expect(errors).toEqual([expect.stringMatching(/WebSocket disabled by policy/)]);
    if (!("WebSocket" in globalThis)) {
      // The browser entry point in Node 20 (no global WebSocket): straight to SSE.
      const plain = connectWithoutWs(endpoint(), { transportMemory: memory() });
      clients.push(plain);
      await until(() => plain.state === "connected");
      expect(plain.transport).toBe("sse");
    }
  });

  it("falls back after transportTimeoutMs when a WebSocket opens but carries nothing", async () => {
    await start();
    const proxy = new BlockingProxy();
    const url = await proxy.listen();
    proxy.websocket = "silent";
    const t0 = Date.now();
    const c = client({ transportMemory: memory(), upgrade: false, transportTimeoutMs: 300 }, url);
    await until(() => c.state === "connected");
    expect(c.transport).toBe("sse");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it("keeps trying to upgrade in the background while WebSocket stays blocked", async () => {
    await start();
    const proxy = new BlockingProxy();
    const url = await proxy.listen();
    proxy.websocket = "refuse";
    const c = client({ transportMemory: memory(), upgrade: { minDelayMs: 30, maxDelayMs: 60 } }, url);
    await until(() => c.state === "connected");
    await until(() => proxy.count("UPGRADE") >= 4);
    expect(c.transport).toBe("sse");
    expect(c.state).toBe("connected");
  });
});

describe.each([
  ["polling", "json"],
  ["sse", "json"],
  ["polling", "msgpack"],
  ["sse", "msgpack"],
] as const)("upgrade from %s to WebSocket, codec %s", (from, codecName) => {
  it("switches while 1000 publications flow: each received exactly once, in order; requests answered", async () => {
    await start();
    const codec = codecName === "msgpack" ? msgpackCodec : jsonCodec;
    server.on("slow", async (n: number) => {
      await sleep(15);
      return n;
    });
    const c = client({ codec, transportMemory: memory(from), upgrade: { minDelayMs: 200, maxDelayMs: 300 } });
    const announced: [string, string | undefined][] = [];
    c.on("transport", (t, prev) => announced.push([t, prev]));
    const offsets: number[] = [];
    const data: number[] = [];
    const chat: number[] = [];
    await c.subscribe("feed", (d, pub) => {
      offsets.push(pub.offset);
      data.push(d as number);
    }).ready;
    await c.subscribe("chat", (d) => chat.push(d as number)).ready;
    expect(c.transport).toBe(from);
    const replies: Promise<unknown>[] = [];
    let switchedAt = -1;
    for (let i = 0; i < 1000; i++) {
      void server.publish("feed", i);
      if (i % 10 === 9) {
        // Requests and client publications in flight across the switch must not be lost.
        replies.push(c.emit("slow", i), c.publish("chat", i));
        await sleep(8);
      }
      if (switchedAt < 0 && c.transport === "websocket") switchedAt = i;
    }
    await until(() => offsets.length >= 1000, 10_000, `1000 deliveries (got ${offsets.length})`);
    await sleep(50);
    expect(await Promise.all(replies)).toHaveLength(200);
    expect(offsets).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(data).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(chat).toEqual(Array.from({ length: 100 }, (_, k) => k * 10 + 9));
    expect(announced).toEqual([
      [from, undefined],
      ["websocket", from],
    ]);
    expect(c.transport).toBe("websocket");
    // The switch happened mid-stream, not before or after it.
    expect(switchedAt).toBeGreaterThan(0);
    expect(switchedAt).toBeLessThan(999);
    // The old session let go of its subscriptions: one subscriber per topic remains.
    await until(() => server.stats.subscriptions === 2, 2000, "old subscriptions released");
  });
});

describe("closing an HTTP transport", () => {
  for (const transport of ["polling", "sse"] as const)
    it(`a ${transport} client that closes ends its server session at once`, async () => {
      const server = createServer({ logLevel: "silent" });
      const { port } = await server.listen(0, "127.0.0.1");
      try {
        const c = connect(`ws://127.0.0.1:${port}/dashwire`, { transports: [transport] });
        const end = Date.now() + 3000;
        while (c.state !== "connected" && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
        expect(server.stats.connections).toBe(1);
        c.close();
        while (server.stats.connections > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
        expect(server.stats.connections).toBe(0);
      } finally {
        await server.close();
      }
    });
});
