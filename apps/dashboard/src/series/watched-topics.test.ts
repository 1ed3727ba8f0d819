/**
 * Watched topics shared between the nodes of a cluster: real servers on one in-process cluster
 * broker host, each telling the others what its clients subscribe to.
 */
import { type AppNodes, createServer, type DashwireServer } from "@dashwire/server";
import { ClusterBroker, ClusterBrokerHost, messagePortPair } from "@dashwire/server/cluster";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../../../../packages/server/test/until.js";
import { WATCHED_KIND, WATCHED_PER_MESSAGE, WatchedTopics } from "./watched-topics.js";

const servers: DashwireServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** A server on `host` whose watched topics are shared, started. */
async function nodeOn(host: ClusterBrokerHost): Promise<{ server: DashwireServer; watched: WatchedTopics }> {
  const [workerSide, hostSide] = messagePortPair();
  host.attach(hostSide);
  const server = createServer({ broker: new ClusterBroker({ port: workerSide }), logLevel: "silent" });
  servers.push(server);
  const watched = new WatchedTopics();
  watched.share(server.nodes);
  await server.start();
  return { server, watched };
}

describe("WatchedTopics across nodes", () => {
  it("tells the other nodes what is watched here, and a node that comes up later everything", async () => {
    const host = new ClusterBrokerHost();
    const a = await nodeOn(host);
    const b = await nodeOn(host);
    await until(() => a.server.nodes.peers().length === 1 && b.server.nodes.peers().length === 1, 2000);
    a.watched.add("metrics:one");
    a.watched.add("metrics:two");
    await until(() => b.watched.has("metrics:one") && b.watched.has("metrics:two"), 2000);
    expect(a.watched.has("metrics:other")).toBe(false);
    // A newcomer is told by each node what its own clients watch.
    b.watched.add("metrics:three");
    const c = await nodeOn(host);
    await until(() => ["one", "two", "three"].every((t) => c.watched.has(`metrics:${t}`)), 2000);
  });

  it("ignores a message that is not a list of topics, or lists too many", async () => {
    const host = new ClusterBrokerHost();
    const a = await nodeOn(host);
    const b = await nodeOn(host);
    await until(() => a.server.nodes.peers().length === 1, 2000);
    await a.server.nodes.send(WATCHED_KIND, "metrics:not-a-list");
    await a.server.nodes.send(WATCHED_KIND, ["metrics:ok", "bad topic", 7]);
    await a.server.nodes.send(
      WATCHED_KIND,
      Array.from({ length: WATCHED_PER_MESSAGE + 1 }, (_, i) => `metrics:many${i}`),
    );
    await until(() => b.watched.has("metrics:ok"), 2000);
    expect([b.watched.has("bad topic"), b.watched.has("metrics:many0"), b.watched.size]).toEqual([false, false, 1]);
  });
});

describe("WatchedTopics", () => {
  /** Node messages that only record what was sent. */
  function recording(): { nodes: AppNodes; sent: unknown[] } {
    const sent: unknown[] = [];
    const nodes = {
      nodeId: "n",
      send: async (_kind: string, body: unknown) => void sent.push(body),
      sendTo: async () => {},
      on: () => {},
      onJoin: () => {},
      peers: () => [],
    } as unknown as AppNodes;
    return { nodes, sent };
  }

  it("tells a topic the broker did not take again at the next subscribe, and to a node that comes up", async () => {
    const w = new WatchedTopics();
    const sent: unknown[] = [];
    let joined: (node: string) => void = () => {};
    let down = true;
    const nodes = {
      send: async (_kind: string, body: unknown) => {
        if (down) throw new Error("broker down");
        sent.push(body);
      },
      sendTo: async (_node: string, _kind: string, body: unknown) => void sent.push(body),
      on: () => {},
      onJoin: (listener: (node: string) => void) => (joined = listener),
    } as unknown as AppNodes;
    w.share(nodes);
    w.add("a");
    await new Promise((r) => setTimeout(r, 0));
    expect(sent).toEqual([]);
    joined("n2");
    expect(sent).toEqual([["a"]]);
    down = false;
    w.add("a");
    await new Promise((r) => setTimeout(r, 0));
    expect(sent).toEqual([["a"], ["a"]]);
  });

  it("tells a topic again only after a sixth of the TTL, in one message per turn", async () => {
    let now = 0;
    const w = new WatchedTopics({ ttlMs: 6000, maxTopics: 10, now: () => now });
    const { nodes, sent } = recording();
    w.share(nodes);
    w.add("a");
    w.add("b");
    w.add("a");
    await Promise.resolve();
    expect(sent).toEqual([["a", "b"]]);
    now = 999;
    w.add("a");
    await Promise.resolve();
    expect(sent).toEqual([["a", "b"]]);
    now = 1000;
    w.add("a");
    await Promise.resolve();
    expect(sent).toEqual([["a", "b"], ["a"]]);
  });
});
