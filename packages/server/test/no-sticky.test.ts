import { RedisBroker } from "@dashwire/broker-redis";
import { BINARY_BODY_TYPE, joinBinaryFrames, splitBinaryFrames } from "@dashwire/protocol";
import { msgpackCodec } from "@dashwire/protocol/msgpack";
import { createServer, type DashwireServer } from "@dashwire/server";
import { afterEach, describe, expect, it } from "vitest";
import { openRawSse } from "./raw-sse.js";

const REDIS = process.env.DASHWIRE_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const nodes: DashwireServer[] = [];
let bases: string[] = [];
let turn = 0;

/** Two nodes sharing one Redis, like two processes behind a load balancer. */
async function startNodes(count: number): Promise<void> {
  const prefix = `dw-nosticky-${process.pid}-${Date.now()}:`;
  bases = [];
  for (let i = 0; i < count; i++) {
    const broker = new RedisBroker({ connection: REDIS, prefix });
    const node = createServer({ logLevel: "silent", broker, codecs: [msgpackCodec] });
    node.topic("feed", { history: { size: 1000 } });
    node.on("whoami", () => node.nodeId);
    const { port } = await node.listen(0, "127.0.0.1");
    nodes.push(node);
    bases.push(`http://127.0.0.1:${port}/dashwire`);
  }
}

/** Plain round robin with no affinity: each request goes to the next node. */
const next = () => bases[turn++ % bases.length] as string;

function messagesOf(body: string): Record<string, unknown>[] {
  return body
    .split("\n")
    .filter((l) => l !== "")
    .flatMap((l) => {
      const v = JSON.parse(l);
      return Array.isArray(v) ? v : [v];
    });
}

afterEach(async () => {
  for (const n of nodes.splice(0)) await n.close();
});

describe("no sticky sessions", () => {
  it("long-polling works when every request lands on another node (round robin)", async () => {
    await startNodes(2);
    const { tid } = (await (await fetch(`${next()}/poll`, { method: "POST" })).json()) as { tid: string };
    const send = async (frame: unknown) => {
      const res = await fetch(`${next()}/send?tid=${tid}`, { method: "POST", body: JSON.stringify(frame) });
      expect(res.status).toBe(204);
    };
    const received: Record<string, unknown>[] = [];
    const poll = async () => received.push(...messagesOf(await (await fetch(`${next()}/poll?tid=${tid}`)).text()));
    const waitFor = async (match: (m: Record<string, unknown>) => boolean) => {
      for (let i = 0; i < 20 && !received.some(match); i++) await poll();
      return received.find(match);
    };
    await send([
      { t: "connect", v: 1 },
      { t: "sub", id: 1, topic: "feed" },
      { t: "evt", id: 2, event: "whoami" },
    ]);
    expect(await waitFor((m) => m.t === "connected")).toBeDefined();
    expect(await waitFor((m) => m.t === "ack" && m.id === 1)).toBeDefined();
    const home = (await waitFor((m) => m.t === "ack" && m.id === 2))?.data;
    expect(nodes.map((n) => n.nodeId)).toContain(home);
    // Publications from both nodes reach the client; its upstream messages reach the home node.
    await nodes[0]!.publish("feed", "from node 0");
    await nodes[1]!.publish("feed", "from node 1");
    await waitFor((m) => m.t === "msg" && m.d === "from node 1");
    expect(received.filter((m) => m.t === "msg").map((m) => m.d)).toEqual(["from node 0", "from node 1"]);
    await send({ t: "evt", id: 3, event: "whoami" });
    expect((await waitFor((m) => m.t === "ack" && m.id === 3))?.data).toBe(home);
  });

  it("SSE works when its POSTs land on the other node", async () => {
    await startNodes(2);
    const { tid, data, read, cancel } = await openRawSse(`${bases[0]}/sse`);
    const res = await fetch(`${bases[1]}/send?tid=${tid}`, {
      method: "POST",
      body: JSON.stringify([
        { t: "connect", v: 1 },
        { t: "evt", id: 1, event: "whoami" },
      ]),
    });
    expect(res.status).toBe(204);
    await read(() => data.some((d) => d.includes('"id":1')));
    const ack = data.flatMap((d) => messagesOf(d)).find((m) => m.t === "ack" && m.id === 1);
    expect(ack?.data).toBe(nodes[0]!.nodeId);
    await cancel();
  });

  it("long-polling with msgpack: binary bodies relayed both ways between round-robin nodes (issue 19)", async () => {
    await startNodes(2);
    const open = await fetch(`${next()}/poll?codec=msgpack`, { method: "POST" });
    const { tid } = (await open.json()) as { tid: string };
    const send = async (...frames: unknown[]) => {
      const body = joinBinaryFrames(frames.map((f) => msgpackCodec.encode(f)));
      const res = await fetch(`${next()}/send?tid=${tid}`, {
        method: "POST",
        body,
        headers: { "content-type": BINARY_BODY_TYPE },
      });
      expect(res.status).toBe(204);
    };
    const received: Record<string, unknown>[] = [];
    let seq = 0;
    const waitFor = async (match: (m: Record<string, unknown>) => boolean) => {
      for (let i = 0; i < 20 && !received.some(match); i++) {
        const bytes = new Uint8Array(await (await fetch(`${next()}/poll?tid=${tid}&seq=${seq}`)).arrayBuffer());
        if (bytes.byteLength > 0) seq++;
        for (const frame of splitBinaryFrames(bytes, Number.POSITIVE_INFINITY))
          received.push(...(msgpackCodec.decode(frame) as Record<string, unknown>[]));
      }
      return received.find(match);
    };
    // Two frames in one body, both relayed when the POST lands on the other node.
    await send({ t: "connect", v: 1 }, { t: "sub", id: 1, topic: "feed" });
    expect(await waitFor((m) => m.t === "ack" && m.id === 1)).toBeDefined();
    const series = new Float64Array([0.5, -1.5]);
    await nodes[0]!.publish("feed", { series });
    await nodes[1]!.publish("feed", { bytes: new Uint8Array([1, 2, 3]) });
    await waitFor((m) => m.t === "msg" && received.filter((r) => r.t === "msg").length === 2);
    expect(received.filter((m) => m.t === "msg").map((m) => m.d)).toEqual([
      { series },
      { bytes: new Uint8Array([1, 2, 3]) },
    ]);
    await send({ t: "evt", id: 2, event: "whoami" });
    expect((await waitFor((m) => m.t === "ack" && m.id === 2))?.data).toSatisfy((n) =>
      nodes.some((x) => x.nodeId === n),
    );
  });
});
