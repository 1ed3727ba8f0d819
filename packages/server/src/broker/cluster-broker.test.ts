import { afterAll, describe, expect, it } from "vitest";
import { ClusterBrokerHost } from "../cluster/cluster-broker-host.js";
import { type ClusterPort, messagePortPair } from "../cluster/cluster-port.js";
import { brokerContract } from "../testing/broker-contract.js";
import type { BrokerStatus, Publication, TopicRetention } from "./broker.js";
import { ClusterBroker } from "./cluster-broker.js";

// Every worker-side broker of the contract talks to one host over an in-process MessageChannel,
// like worker processes to their primary.
const host = new ClusterBrokerHost();
afterAll(() => host.close());

brokerContract("cluster", {
  create() {
    const [worker, primary] = messagePortPair();
    host.attach(primary);
    return new ClusterBroker({ port: worker });
  },
  multiNode: true,
});

const retention: TopicRetention = { historySize: 100, historyTtlMs: 0, latestKeys: 0 };
const until = async (check: () => boolean) => {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

describe("cluster broker host", () => {
  it("sends a publication only to workers subscribed to its topic, one IPC message per turn", async () => {
    const sends: number[] = [];
    const counting = new ClusterBrokerHost();
    const brokers = [0, 1, 2].map(() => {
      const [worker, primary] = messagePortPair();
      counting.attach({
        ...primary,
        send: (m, sent) => {
          sends.push((m as { m: unknown[] }).m.length);
          primary.send(m, sent);
        },
      });
      return new ClusterBroker({ port: worker });
    });
    const got: Publication[][] = [[], [], []];
    await Promise.all(
      brokers.map((b, i) => b.start({ onPublication: (p) => got[i]!.push(p), onMessage() {}, onStatus() {} })),
    );
    await brokers[0]!.subscribe("a");
    await brokers[1]!.subscribe("a");
    sends.length = 0;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => brokers[2]!.publish({ topic: "a", data: String(i), retention })),
    );
    await until(() => got[0]!.length === 20 && got[1]!.length === 20);
    expect(got[2]).toEqual([]);
    // 20 publications → one batch to each subscriber plus the publisher's replies: 3 messages, not 60.
    expect(sends.length).toBeLessThanOrEqual(4);
    expect(counting.stats.publications).toBe(20);
    for (const b of brokers) await b.close();
    await counting.close();
  });

  it("drops deliveries to a worker that stops reading, then tells it to resume", async () => {
    const small = new ClusterBrokerHost({ maxUnsentPerWorker: 10 });
    const held: Array<() => void> = [];
    const [slowWorker, slowPrimary] = messagePortPair();
    const slow: ClusterPort = { ...slowPrimary, send: (m, sent) => slowPrimary.send(m, () => held.push(sent)) };
    small.attach(slow);
    const [fastWorker, fastPrimary] = messagePortPair();
    small.attach(fastPrimary);
    const lagging = new ClusterBroker({ port: slowWorker });
    const publisher = new ClusterBroker({ port: fastWorker });
    const pubs: Publication[] = [];
    const statuses: BrokerStatus[] = [];
    await lagging.start({ onPublication: (p) => pubs.push(p), onMessage() {}, onStatus: (s) => statuses.push(s) });
    await publisher.start({ onPublication() {}, onMessage() {}, onStatus() {} });
    await lagging.subscribe("t");
    for (let i = 0; i < 30; i++) await publisher.publish({ topic: "t", data: String(i), retention });
    expect(small.stats.dropped).toBeGreaterThan(0);
    expect(pubs.length).toBeLessThan(30);
    for (const sent of held.splice(0)) sent();
    await until(() => statuses.some((s) => !s.ok));
    expect(statuses.slice(-2)).toEqual([{ ok: false, reason: "worker fell behind the cluster broker" }, { ok: true }]);
    await lagging.close();
    await publisher.close();
    await small.close();
  });

  it("fails pending requests and reports the link down when the primary goes away", async () => {
    const lonely = new ClusterBrokerHost();
    const [worker, primary] = messagePortPair();
    lonely.attach(primary);
    const broker = new ClusterBroker({ port: worker });
    const statuses: BrokerStatus[] = [];
    await broker.start({ onPublication() {}, onMessage() {}, onStatus: (s) => statuses.push(s) });
    expect(statuses.at(-1)).toEqual({ ok: true });
    primary.close();
    await until(() => statuses.at(-1)?.ok === false);
    expect(statuses.at(-1)?.reason).toMatch(/primary went away/);
    await expect(broker.publish({ topic: "x", data: "1", retention })).rejects.toMatchObject({ code: 5001 });
    await broker.close();
    await lonely.close();
  });
});
