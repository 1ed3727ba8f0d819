import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ClusterBroker } from "./broker/cluster-broker.js";
import { ClusterBrokerHost } from "./cluster/cluster-broker-host.js";
import { messagePortPair } from "./cluster/cluster-port.js";
import { AppNodes } from "./app-nodes.js";
import { ALL_NODES, NodeChannel } from "./node-channel.js";
import { waitFor } from "./testing/broker-contract.js";

const logger = pino({ level: "silent" });
const open: NodeChannel[] = [];

/** Node `id` on `host`, its channel started. */
async function node(host: ClusterBrokerHost, id: string): Promise<NodeChannel> {
  const [workerSide, hostSide] = messagePortPair();
  host.attach(hostSide);
  const broker = new ClusterBroker({ port: workerSide });
  const channel = new NodeChannel(broker, id, logger);
  await broker.start({ onPublication() {}, onMessage: (t, d) => channel.receive(t, d), onStatus() {} });
  await channel.start();
  open.push(channel);
  return channel;
}

/** `n` nodes on one in-process cluster broker host, each with its channel started. */
async function nodes(n: number): Promise<NodeChannel[]> {
  const host = new ClusterBrokerHost();
  const channels: NodeChannel[] = [];
  for (let i = 0; i < n; i++) channels.push(await node(host, `node${i}`));
  // Every node knows every other (hello, and hello back to a newcomer).
  await waitFor(() => channels.every((c) => [...c.peers()].length === n - 1));
  return channels;
}

afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

describe("NodeChannel", () => {
  it("knows its peers, sends to one node or to all (itself included)", async () => {
    const [a, b, c] = (await nodes(3)) as [NodeChannel, NodeChannel, NodeChannel];
    expect([...a.peers()].sort()).toEqual(["node1", "node2"]);
    const got: string[] = [];
    for (const ch of [a, b, c]) ch.on("note", (body, ctx) => got.push(`${ch.nodeId}<${ctx.from}:${body}`));
    await a.send("node1", "note", "one");
    await waitFor(() => got.length === 1);
    await b.send(ALL_NODES, "note", "all");
    await waitFor(() => got.length === 4);
    expect(got.sort()).toEqual(["node0<node1:all", "node1<node0:one", "node1<node1:all", "node2<node1:all"]);
  });

  it("answers requests, one node or every other, and passes a handler's failure on", async () => {
    const [a, b, c] = (await nodes(3)) as [NodeChannel, NodeChannel, NodeChannel];
    for (const ch of [a, b, c]) ch.on("who", async (body) => `${ch.nodeId}:${body}`);
    b.on("fails", () => {
      throw new Error("no way");
    });
    expect(await a.request("node1", "who", "x", 1000)).toBe("node1:x");
    const all = await a.requestAll("who", "y", 1000);
    expect([...all.entries()].sort()).toEqual([
      ["node1", "node1:y"],
      ["node2", "node2:y"],
    ]);
    await expect(a.request("node1", "fails", null, 1000)).rejects.toMatchObject({ code: 5001, message: /no way/ });
  });

  it("gives up on a silent node at the timeout; requestAll answers with those that did", async () => {
    const [a, b, c] = (await nodes(3)) as [NodeChannel, NodeChannel, NodeChannel];
    b.on("slow", () => new Promise(() => {}));
    c.on("slow", () => "c");
    const t0 = Date.now();
    await expect(a.request("node1", "slow", null, 150)).rejects.toMatchObject({ code: 5001 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect([...(await a.requestAll("slow", null, 150)).entries()]).toEqual([["node2", "c"]]);
  });

  it("a cancelled request aborts the handler's signal on the other node", async () => {
    const [a, b] = (await nodes(2)) as [NodeChannel, NodeChannel];
    let aborted = false;
    b.on("hold", (_b, ctx) => new Promise(() => ctx.signal?.addEventListener("abort", () => (aborted = true))));
    const controller = new AbortController();
    const asked = a.request("node1", "hold", null, 10_000, controller.signal);
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    await expect(asked).rejects.toMatchObject({ code: 5001 });
    await waitFor(() => aborted);
  });

  it("a node that says goodbye is gone at once: its pending requests fail, listeners hear it", async () => {
    const [a, b] = (await nodes(2)) as [NodeChannel, NodeChannel];
    b.on("hold", () => new Promise(() => {}));
    const gone: string[] = [];
    a.onGone((node) => gone.push(node));
    const asked = a.request("node1", "hold", null, 10_000);
    const t0 = Date.now();
    await b.close();
    await expect(asked).rejects.toMatchObject({ code: 5001, message: /went away/ });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(gone).toEqual(["node1"]);
    expect([...a.peers()]).toEqual([]);
  });

  it("tells join listeners of each node heard from for the first time, and of one back after it went away", async () => {
    const host = new ClusterBrokerHost();
    const a = await node(host, "node0");
    const joined: string[] = [];
    a.onJoin((n) => joined.push(n));
    a.onJoin(() => {
      throw new Error("a failing listener does not stop the others");
    });
    const b = await node(host, "node1");
    await waitFor(() => joined.length === 1);
    await b.close();
    await waitFor(() => [...a.peers()].length === 0);
    await node(host, "node1");
    await waitFor(() => joined.length === 2);
    // Heartbeats of a known node are not joins.
    await new Promise((r) => setTimeout(r, 50));
    expect(joined).toEqual(["node1", "node1"]);
  });

  it("carries the application's messages (AppNodes) apart from the server's own kinds", async () => {
    const [a, b, c] = (await nodes(3)) as [NodeChannel, NodeChannel, NodeChannel];
    const [appA, appB, appC] = [a, b, c].map((ch) => new AppNodes(ch)) as [AppNodes, AppNodes, AppNodes];
    const got: string[] = [];
    for (const app of [appA, appB, appC])
      app.on("relay.send", (body, from) => got.push(`${app.nodeId}<${from}:${body}`));
    // The server's handler of the same name hears nothing of the application's.
    b.on("relay.send", (body) => got.push(`server:${body}`));
    await appA.send("relay.send", "all");
    await waitFor(() => got.length === 2);
    await appC.sendTo("node1", "relay.send", "one");
    await waitFor(() => got.length === 3);
    await new Promise((r) => setTimeout(r, 50));
    // Every other node, never the sender itself.
    expect(got.sort()).toEqual(["node1<node0:all", "node1<node2:one", "node2<node0:all"]);
    expect(appA.peers().sort()).toEqual(["node1", "node2"]);
  });

  it("a group message reaches the other nodes listening to the group, not the sender", async () => {
    const [a, b, c] = (await nodes(3)) as [NodeChannel, NodeChannel, NodeChannel];
    const got: string[] = [];
    for (const ch of [a, b, c]) ch.on("g", (body, ctx) => got.push(`${ch.nodeId}:${ctx.group}:${body}`));
    await a.listen("room");
    await b.listen("room");
    await a.sendGroup("room", "g", "hi");
    await waitFor(() => got.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual(["node1:room:hi"]);
  });
});
