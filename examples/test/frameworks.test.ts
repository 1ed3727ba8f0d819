/**
 * The framework examples (Express, Fastify, Hono): each starts on port 0, serves its own route,
 * leaves unknown paths to the framework, and serves dashwire on the same port to a real Node
 * client over WebSocket, SSE and long-polling (the last two are HTTP routes the framework must
 * not swallow: polling sends its frames as POST bodies).
 */
import { readFileSync } from "node:fs";
import { type Client, connect, type TransportName } from "@dashwire/client/node";
import { createServer, ErrorCode } from "@dashwire/server";
import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../../packages/server/test/until.js";
import type { RunningExample } from "../src/frameworks/clock.js";
import { startExpress } from "../src/frameworks/express.js";
import { startFastify } from "../src/frameworks/fastify.js";
import { startHono } from "../src/frameworks/hono.js";

const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

const frameworks: [string, (port: number) => Promise<RunningExample>][] = [
  ["express", startExpress],
  ["fastify", startFastify],
  ["hono", startHono],
];

describe.each(frameworks)("%s example", (name, start) => {
  async function run(): Promise<{ example: RunningExample; base: string }> {
    const example = await start(0);
    stops.push(() => example.close());
    return { example, base: `http://127.0.0.1:${example.port}` };
  }

  it("serves its own route, dashwire's /healthz, and leaves unknown paths to the framework", async () => {
    const { base } = await run();
    const hello = await fetch(`${base}/`);
    expect(hello.status).toBe(200);
    expect(await hello.json()).toEqual({ framework: name, clients: 0 });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    // The framework's own 404, not dashwire's JSON one.
    const missing = await fetch(`${base}/nowhere`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).not.toContain('"code":404');
  });

  it.each<TransportName>(["websocket", "sse", "polling"])(
    "a client connects over %s, receives a publication and an ack",
    async (transport) => {
      const { example, base } = await run();
      const client: Client = connect(`${base}/dashwire`, { transports: [transport] });
      stops.push(() => client.close());
      const got: unknown[] = [];
      await client.subscribe("clock", (d) => got.push(d)).ready;
      expect(client.transport).toBe(transport);
      await example.dashwire.publish("clock", { now: "test" });
      await until(() => got.some((d) => (d as { now: string }).now === "test"), 5000, "the publication");
      expect(await client.emit("echo", { n: 42 })).toEqual({ n: 42 });
      const hello = (await (await fetch(`${base}/`)).json()) as { clients: number };
      expect(hello.clients).toBe(1);
    },
  );
});

describe("mounting with handle() instead of attach()", () => {
  async function fastifyWith(mount: "onRequest" | "route"): Promise<string> {
    const dashwire = createServer({ logLevel: "warn" });
    // Teardown cuts every connection: by default Fastify's close waits for one that turned idle
    // after it began (the client's last request racing the stop) for its 72 s keep-alive.
    const app = Fastify({ forceCloseConnections: true });
    if (mount === "onRequest")
      // Before Fastify reads anything: dashwire's routes work.
      app.addHook("onRequest", (req, reply, done) => {
        if (dashwire.handle(req.raw, reply.raw)) reply.hijack();
        else done();
      });
    // A route runs after Fastify's content-type parser has read the body.
    else
      app.all("/dashwire/*", (req, reply) => {
        reply.hijack();
        if (!dashwire.handle(req.raw, reply.raw)) reply.raw.writeHead(404).end();
      });
    await app.listen({ port: 0, host: "127.0.0.1" });
    stops.push(async () => {
      await dashwire.close();
      await app.close();
    });
    return `http://127.0.0.1:${(app.server.address() as { port: number }).port}/dashwire`;
  }

  it.each<TransportName>(["sse", "polling"])("in a Fastify onRequest hook, serves %s", async (transport) => {
    const client = connect(await fastifyWith("onRequest"), { transports: [transport] });
    stops.push(() => client.close());
    await client.subscribe("clock", () => {}).ready;
    expect(client.transport).toBe(transport);
  });

  it("in a route after Fastify read the body, a send is refused with a coded error, not left hanging", async () => {
    const url = await fastifyWith("route");
    const { tid } = (await (await fetch(`${url}/poll`, { method: "POST" })).json()) as { tid: string };
    const res = await fetch(`${url}/send?tid=${tid}`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ t: "connect", v: 1 }),
      signal: AbortSignal.timeout(5000),
    });
    expect(res.status).toBe(500);
    const { error } = (await res.json()) as { error: { code: number; message: string } };
    expect(error.code).toBe(ErrorCode.Internal);
    expect(error.message).toContain("mount dashwire before body parsers");
  });
});

describe("docs/frameworks.md", () => {
  it("shows each example file as it is", () => {
    const root = new URL("../../", import.meta.url);
    const page = readFileSync(new URL("docs/frameworks.md", root), "utf8");
    for (const name of ["clock", "express", "fastify", "hono"]) {
      const file = readFileSync(new URL(`examples/src/frameworks/${name}.ts`, root), "utf8");
      expect(page, `${name}.ts is shown verbatim`).toContain(`\`\`\`ts\n${file}\`\`\``);
    }
  });
});
