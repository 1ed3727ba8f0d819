import { NatsBroker, type NatsBrokerOptions } from "@dashwire/broker-nats";
import type { Client } from "@dashwire/client/node";
import { ErrorCode } from "@dashwire/protocol";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { NatsProcess } from "../../broker-nats/test/nats-process.js";
import { deleteStreams } from "../../broker-nats/test/test-streams.js";
import {
  brokerOutage,
  expectAllNodesPublishInOrder,
  expectResumeOnAnotherNode,
  silentGaps,
  startNodes,
  type TestNode,
} from "./multi-node-harness.js";
import { RawClient } from "./raw-client.js";

const sharedUrl = process.env.DASHWIRE_TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const id = `${process.pid}_${Date.now()}`;
const streams: string[] = [];
let run = 0;
const nodes: TestNode[] = [];
const raws: RawClient[] = [];
const clients: Client[] = [];
const procs: NatsProcess[] = [];

/** Three nodes on one NATS, with streams and subjects of their own. */
async function cluster(url: string, options: Partial<NatsBrokerOptions> = {}): Promise<TestNode[]> {
  const stream = `DWTEST_MN${id}_${run}`;
  const prefix = `dwtest.mn${id}_${run++}`;
  streams.push(stream);
  const started = await startNodes(
    3,
    // Nodes reconnect at different speeds, so node 0 publishes before the others re-subscribe.
    (i) =>
      new NatsBroker({
        connection: url,
        prefix,
        stream,
        storage: "memory",
        topicTtlMs: 60_000,
        reconnectWaitMs: i === 0 ? 100 : 600,
        ...options,
      }),
  );
  nodes.push(...started);
  return started;
}

async function raw(node: TestNode): Promise<RawClient> {
  const c = await RawClient.connect(node.ws);
  raws.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const c of raws.splice(0)) c.close();
  for (const n of nodes.splice(0)) await n.app.close();
  for (const p of procs.splice(0)) await p.stop();
});
afterAll(() => deleteStreams(sharedUrl, streams));

describe("three nodes on one NATS", () => {
  it("delivers every publication once, in order, to clients on every node while all nodes publish", async () => {
    await expectAllNodesPublishInOrder(await cluster(sharedUrl), raw);
  });

  it("lets a client whose node died resume on another node with nothing lost", async () => {
    await expectResumeOnAnotherNode(await cluster(sharedUrl), raw);
  });
});

describe("NATS outage during steady publishing", () => {
  it("degraded then ok, publishes fail fast with 5001, clients resume with every offset (file storage)", async () => {
    const proc = await NatsProcess.start();
    procs.push(proc);
    const three = await cluster(proc.url, { storage: "file" });
    const { watchers, failures, slowest, degraded, head } = await brokerOutage(three, proc, clients, 15_000);
    expect(degraded.body).toMatchObject({ status: "degraded", broker: { name: "nats" } });
    expect(failures.length).toBeGreaterThan(0);
    for (const err of failures) expect(err).toMatchObject({ code: ErrorCode.BrokerUnavailable });
    expect(slowest).toBeLessThan(6000);
    for (const { log } of watchers) {
      expect(silentGaps(log).violations).toEqual([]);
      const confirmations = log.filter((e) => e.kind === "subscribed");
      expect(confirmations.length).toBeGreaterThanOrEqual(2);
      expect(confirmations.slice(1).every((e) => e.recovered)).toBe(true);
      const offsets = log.flatMap((e) => (e.kind === "msg" ? [e.offset] : []));
      expect(offsets).toEqual(Array.from({ length: head.offset }, (_, i) => i + 1));
    }
  });
});
