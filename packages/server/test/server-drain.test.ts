/**
 * A graceful stop tells every client "going away" (1001), long-polling ones included: those learn
 * it on their next poll, which `drain()` waits for with the port still open, also when the poll
 * reaches another node of the cluster than the one holding the client's session (issue 18).
 */
import { type Client, CloseCode, connect } from "@dashwire/client/node";
import { RedisBroker } from "@dashwire/broker-redis";
import { type Broker, createServer, type DashwireServer } from "@dashwire/server";
import { ClusterBroker, ClusterBrokerHost, messagePortPair } from "@dashwire/server/cluster";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "./until.js";

const servers: DashwireServer[] = [];
const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});

/**
 * A server on its own port, on `broker` (default: its own memory broker). No heartbeat during a
 * test: a ping would answer a held poll and hide what the stop does with it.
 */
async function node(broker?: Broker): Promise<{ server: DashwireServer; base: string }> {
  const options = { logLevel: "silent", pingIntervalMs: 600_000 } as const;
  const server = createServer(broker === undefined ? options : { ...options, broker });
  server.topic("feed", { history: { size: 10 } });
  servers.push(server);
  const { port } = await server.listen(0, "127.0.0.1");
  return { server, base: `http://127.0.0.1:${port}` };
}

/** The in-machine cluster broker: each call gives one node's broker, all on one host. */
function clusterBroker(): () => Broker {
  const host = new ClusterBrokerHost();
  return () => {
    const [workerSide, hostSide] = messagePortPair();
    host.attach(hostSide);
    return new ClusterBroker({ port: workerSide });
  };
}

/** Brokers that connect the nodes of a cluster: the in-machine cluster broker, and Redis. */
const clusters: Array<[string, () => () => Broker]> = [
  ["cluster broker", clusterBroker],
  [
    "redis",
    () => {
      const prefix = `dwtest:drain:${process.pid}:${Date.now()}:`;
      const url = process.env.DASHWIRE_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
      return () => new RedisBroker({ connection: url, prefix });
    },
  ],
];

/**
 * `fetch` for a polling client: each poll GET waits until `release()` once `hold` is set, and with
 * `pollTo` goes to the base URL it returns (another node than the one that opened the transport,
 * as a round-robin balancer would send it).
 */
function pollingFetch(options: { pollTo?: () => string } = {}) {
  let held: (() => void) | undefined;
  let waiting = 0;
  const gate = { hold: false, waiting: () => waiting, release: () => held?.() };
  /** Each poll's answer: where it went, its body and its `connection` header. */
  const answers: { base: string; body: string; connection: string | null }[] = [];
  const wrapped = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    let url = new URL(String(input instanceof Request ? input.url : input));
    const poll = url.pathname.endsWith("/poll") && (init?.method ?? "GET") === "GET";
    if (poll && options.pollTo !== undefined) url = new URL(url.pathname + url.search, options.pollTo());
    if (poll && gate.hold) {
      waiting++;
      await new Promise<void>((resolve) => (held = resolve));
    }
    const res = await fetch(url, init);
    if (!poll) return res;
    const body = await res.text();
    answers.push({ base: url.origin, body, connection: res.headers.get("connection") });
    return new Response(body, { status: res.status, headers: res.headers });
  };
  return { fetch: wrapped as typeof fetch, gate, answers };
}

/** A polling client of `base` subscribed to "feed": what it got, its states, and how it ended. */
async function pollingClient(base: string, fetchImpl: typeof fetch) {
  const client = connect(`${base}/dashwire`, { transports: ["polling"], reconnect: false, fetch: fetchImpl });
  clients.push(client);
  const states: string[] = [];
  const got: unknown[] = [];
  const closed = new Promise<number>((resolve) =>
    client.on("state", (state, reason) => {
      states.push(state);
      if (state === "disconnected") resolve(reason.code);
    }),
  );
  await client.subscribe("feed", (d) => got.push(d)).ready;
  return { closed, states, got };
}

/** The polls `server` holds for other nodes' clients (read from its relay, which owns the count). */
const relayedPolls = (server: DashwireServer) =>
  (server as unknown as { core: { relay: { waitingPolls: number } } }).core.relay.waitingPolls;

describe("server.close() and long-polling clients", () => {
  it("a client between two polls gets 1001 on its next poll, not a closed port", async () => {
    const { server, base } = await node();
    const { fetch: f, gate } = pollingFetch();
    const { closed } = await pollingClient(base, f);
    // Its held poll is answered by a publication; the next one waits at the gate.
    gate.hold = true;
    await server.publish("feed", 1);
    await until(() => gate.waiting() === 1, 5000, "the next poll at the gate");
    const stopping = server.close();
    gate.release();
    expect(await closed).toBe(CloseCode.GoingAway);
    await stopping;
  });

  it.each(clusters)(
    "%s: a poll held by another node for the client's home node gets 1001 when both stop at once",
    async (_name, cluster) => {
      const broker = cluster();
      const home = await node(broker());
      const other = await node(broker());
      // The transport opens on the home node; every poll goes to the other node, which relays it.
      const { fetch: f } = pollingFetch({ pollTo: () => other.base });
      const { closed } = await pollingClient(home.base, f);
      // The client's next poll is held on the other node, waiting for the home node's answer.
      await until(() => relayedPolls(other.server) === 1, 5000, "a poll relayed to the home node");
      await Promise.all([other.server.close(), home.server.close()]);
      expect(await closed).toBe(CloseCode.GoingAway);
    },
  );

  it("a node that stops alone hands back the polls it held for a live node: the client keeps its session", async () => {
    const broker = clusterBroker();
    const home = await node(broker());
    const other = await node(broker());
    let balancer = other.base;
    const { fetch: f } = pollingFetch({ pollTo: () => balancer });
    const { states, got } = await pollingClient(home.base, f);
    await until(() => relayedPolls(other.server) === 1, 5000, "a poll relayed to the home node");
    // The balancer takes the stopping node out; its held poll comes back empty, and the client's
    // next poll reaches the home node: same session, nothing lost.
    balancer = home.base;
    await other.server.close();
    await home.server.publish("feed", 7);
    await until(() => got.includes(7), 5000, "the publication after the other node stopped");
    expect(states).toEqual(["connecting", "connected"]);
  });

  it("a drained node answers a poll for another node at once, empty, on a connection that closes", async () => {
    const broker = clusterBroker();
    const home = await node(broker());
    const other = await node(broker());
    let balancer = other.base;
    const { fetch: f, gate, answers } = pollingFetch({ pollTo: () => balancer });
    const { states, got } = await pollingClient(home.base, f);
    // The client's next poll waits at the gate, addressed to the other node; none is held there.
    gate.hold = true;
    await home.server.publish("feed", 1);
    await until(() => gate.waiting() === 1 && relayedPolls(other.server) === 0, 5000, "a poll at the gate");
    await other.server.drain();
    balancer = home.base; // the balancer takes the drained node out: the polls after this one
    gate.hold = false;
    gate.release();
    // The drained node neither holds nor relays it: nothing new, and a connection that closes, so
    // the next poll takes a new connection (to a node still serving).
    await until(() => answers.some((a) => a.base === other.base && a.body === ""), 5000, "the drained node's answer");
    const last = answers.filter((a) => a.base === other.base).at(-1);
    expect(last).toEqual({ base: other.base, body: "", connection: "close" });
    await home.server.publish("feed", 2);
    await until(() => got.includes(2), 5000, "the next publication, from the home node");
    expect(states).toEqual(["connecting", "connected"]);
  });
});
