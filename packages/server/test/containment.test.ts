import { Writable } from "node:stream";
import { CloseCode, ErrorCode } from "@dashwire/server";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ProcessWatch, startServer, type TestServer, watchProcess } from "./fuzz/harness.js";
import { RawClient } from "./raw-client.js";
import { until } from "./until.js";

/**
 * A throw inside one connection's handling (a hook, a listener, a reply that cannot be encoded,
 * a transport that fails) closes that connection with 1011 or answers a coded error, is logged,
 * and never reaches the process (issue 12 item 1).
 */

let t: TestServer | undefined;
let watch: ProcessWatch;
let logs: { msg: string; session?: string; err?: unknown }[];
const clients: RawClient[] = [];

beforeEach(() => {
  watch = watchProcess();
  logs = [];
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await t?.server.close();
  t = undefined;
  watch.stop();
});

/** A server whose error log lines are collected in `logs`. */
async function start(): Promise<TestServer> {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n")) if (line !== "") logs.push(JSON.parse(line));
      done();
    },
  });
  t = await startServer({ logger: pino({ level: "error" }, sink) });
  t.server.on("echo", (d: unknown) => d);
  return t;
}

async function connected(url: string): Promise<RawClient> {
  const c = await RawClient.connect(url);
  clients.push(c);
  return c;
}

/** A bystander connected before the fault still gets its answers afterwards. */
async function bystanderWorks(c: RawClient, id: number): Promise<void> {
  const reply = await c.request({ t: "evt", event: "echo", data: id }, id);
  expect(reply.data).toBe(id);
}

describe("containment of a throw in one connection's handling", () => {
  it("a 'connection' listener that throws closes that connection with 1011 and is logged", async () => {
    const s = await start();
    const bystander = await connected(s.url);
    s.server.events.on("connection", () => {
      throw new Error("listener bug");
    });
    const c = await RawClient.open(s.url);
    clients.push(c);
    c.send({ t: "connect", v: 1 });
    expect(await c.closed()).toBe(CloseCode.InternalError);
    expect(c.messages.find((m) => m.t === "disconnect")).toMatchObject({ code: 1011, reconnect: true });
    await until(() => logs.some((l) => l.msg.includes("connection handling failed")));
    await bystanderWorks(bystander, 1);
    expect(watch.failures).toEqual([]);
  });

  it("a thrown message quoting client text is cut by bytes in the log line", async () => {
    const s = await start();
    s.server.useConnect((ctx) => {
      // An app that quotes what the client sent in an unexpected error.
      throw new Error(`cannot parse ${JSON.stringify(ctx.data)}`);
    });
    const c = await RawClient.open(s.url);
    clients.push(c);
    c.send({ t: "connect", v: 1, data: "é".repeat(5000) });
    expect(await c.closed()).toBe(CloseCode.ServerBusy);
    await until(() => logs.some((l) => l.msg === "connect middleware failed"));
    const line = logs.find((l) => l.msg === "connect middleware failed") as { err: { message: string; stack: string } };
    expect(Buffer.byteLength(line.err.message)).toBeLessThanOrEqual(1024);
    expect(line.err.message.startsWith("cannot parse")).toBe(true);
    expect(Buffer.byteLength(line.err.stack)).toBeLessThanOrEqual(8192);
  });

  it("a reply that cannot be encoded (BigInt, cycle) answers Internal and keeps the connection", async () => {
    const s = await start();
    s.server.on("bigint", () => 1n);
    s.server.on("cycle", async () => {
      const o: Record<string, unknown> = {};
      o.self = o;
      return o;
    });
    const c = await connected(s.url);
    for (const [id, event] of [
      [1, "bigint"],
      [2, "cycle"],
    ] as const) {
      const reply = await c.request({ t: "evt", event }, id);
      expect(reply.error).toEqual({ code: ErrorCode.Internal, message: "internal error" });
    }
    await bystanderWorks(c, 3);
    expect(logs.filter((l) => l.msg === "reply could not be encoded")).toHaveLength(2);
    expect(watch.failures).toEqual([]);
  });

  it("connect middleware whose reply cannot be encoded closes that connection with 1011", async () => {
    const s = await start();
    s.server.useConnect((ctx) => {
      if ((ctx.data as { bad?: boolean } | undefined)?.bad) ctx.reply = { n: 1n };
    });
    const bystander = await connected(s.url);
    const c = await RawClient.open(s.url);
    clients.push(c);
    c.send({ t: "connect", v: 1, data: { bad: true } });
    expect(await c.closed()).toBe(CloseCode.InternalError);
    await bystanderWorks(bystander, 1);
    expect(watch.failures).toEqual([]);
  });

  it("a 'gap' listener that throws is logged; the gap notice still goes out", async () => {
    const s = await start();
    s.server.events.on("gap", () => {
      throw new Error("gap listener bug");
    });
    const c = await connected(s.url);
    await c.request({ t: "sub", topic: "burst" }, 1);
    const payload = "x".repeat(100_000);
    // One turn: more than the 1 MiB queue, so the subscription overflows.
    for (let i = 0; i < 15; i++) void s.server.publish("burst", payload);
    await c.next((m) => m.t === "gap", 5000);
    await until(() => logs.some((l) => l.msg === "server event listener failed"));
    await bystanderWorks(c, 2);
    expect(watch.failures).toEqual([]);
  });

  it("a 'disconnect' listener that throws is logged; the server goes on", async () => {
    const s = await start();
    s.server.events.on("disconnect", () => {
      throw new Error("disconnect listener bug");
    });
    const c = await connected(s.url);
    c.close();
    await until(() => logs.some((l) => l.msg === "server event listener failed"));
    const d = await connected(s.url);
    await bystanderWorks(d, 1);
    expect(watch.failures).toEqual([]);
  });

  it("a canPublish hook that throws synchronously answers a coded error", async () => {
    const s = await start();
    s.server.topic("guarded", {
      canPublish() {
        throw new Error("hook bug");
      },
    });
    const c = await connected(s.url);
    const reply = await c.request({ t: "pub", topic: "guarded", data: 1 }, 1);
    expect(reply.error).toEqual({ code: ErrorCode.Internal, message: "internal error" });
    await bystanderWorks(c, 2);
    expect(watch.failures).toEqual([]);
  });

  it("a subscriber whose delivery throws is closed; the next subscriber still gets the publication", async () => {
    const s = await start();
    const a = await connected(s.url);
    const b = await connected(s.url);
    await a.request({ t: "sub", topic: "news" }, 1);
    await b.request({ t: "sub", topic: "news" }, 1);
    // a subscribed first, so it comes right before b in the fan-out.
    const first = [...s.server.clients()][0] as unknown as { enqueue: () => boolean };
    first.enqueue = () => {
      throw new Error("delivery bug");
    };
    await s.server.publish("news", "hello");
    await b.next((m) => m.t === "msg" && m.d === "hello");
    expect(await a.closed()).toBe(CloseCode.InternalError);
    expect(watch.failures).toEqual([]);
  });

  it("a presence subscriber whose join notice throws is closed; the next one still hears the join", async () => {
    const s = await start();
    s.server.topic("room", { presence: true });
    const a = await connected(s.url);
    const b = await connected(s.url);
    await a.request({ t: "sub", topic: "room", presence: true }, 1);
    await b.request({ t: "sub", topic: "room", presence: true }, 1);
    const first = [...s.server.clients()][0] as unknown as { push: (part: string) => void };
    const push = first.push.bind(first);
    first.push = (part: string) => {
      if (part.includes('"join"')) throw new Error("push bug");
      push(part);
    };
    const c = await connected(s.url);
    const reply = await c.request({ t: "sub", topic: "room", presence: true }, 1);
    expect(reply.error).toBeUndefined();
    await b.next((m) => m.t === "join");
    expect(await a.closed()).toBe(CloseCode.InternalError);
    expect(watch.failures).toEqual([]);
  });

  it("a transport whose send throws: that connection closes with 1011, the fan-out goes on", async () => {
    const s = await start();
    const a = await connected(s.url);
    const b = await connected(s.url);
    await a.request({ t: "sub", topic: "news" }, 1);
    await b.request({ t: "sub", topic: "news" }, 1);
    // Break a's transport: the next write of its session throws.
    const sessions = [...s.server.clients()] as unknown as { transportRef: { send: () => boolean } }[];
    const broken = sessions[0] as { transportRef: { send: () => boolean } };
    broken.transportRef.send = () => {
      throw new Error("socket bug");
    };
    await s.server.publish("news", "hello");
    await b.next((m) => m.t === "msg" && m.d === "hello");
    await until(() => logs.some((l) => l.msg.includes("connection handling failed")));
    await until(() => [...s.server.clients()].length === 1);
    await bystanderWorks(b, 2);
    expect(watch.failures).toEqual([]);
  });
});
