import {
  type BrokerSink,
  type BrokerStatus,
  ClusterBroker,
  ClusterBrokerHost,
  messagePortPair,
} from "@dashwire/server";
import { afterEach, describe, expect, it } from "vitest";
import { HeartbeatElection } from "./heartbeat-election.js";
import { InternalBus } from "./internal-bus.js";

const host = new ClusterBrokerHost();

/** A cluster broker whose link state the test can flip. */
class BlinkingBroker extends ClusterBroker {
  private tap: BrokerSink | undefined;
  override start(sink: BrokerSink): Promise<void> {
    this.tap = sink;
    return super.start(sink);
  }
  report(status: BrokerStatus): void {
    this.tap?.onStatus(status);
  }
}
const buses: InternalBus[] = [];
const elections: HeartbeatElection[] = [];

/** One node: a bus over an in-process cluster broker, and its election (fast heartbeats). */
async function node(id: string): Promise<{ election: HeartbeatElection; changes: (string | undefined)[] }> {
  const [worker, primary] = messagePortPair();
  host.attach(primary);
  const bus = new InternalBus(new BlinkingBroker({ port: worker }));
  await bus.start({ onPublication() {}, onStatus() {} });
  buses.push(bus);
  const election = new HeartbeatElection(bus, id, { heartbeatMs: 40, timeoutMs: 200 });
  elections.push(election);
  const changes: (string | undefined)[] = [];
  await election.start((leader) => changes.push(leader));
  return { election, changes };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

afterEach(async () => {
  for (const e of elections.splice(0)) await e.close();
  for (const b of buses.splice(0)) await b.close();
});

describe("HeartbeatElection", () => {
  it("elects the oldest node everywhere, and the next oldest when it leaves", async () => {
    const a = await node("a");
    await new Promise((r) => setTimeout(r, 5));
    const b = await node("b");
    const c = await node("c");
    await until(() => [a, b, c].every((n) => n.election.leader === "a"));
    // A younger node never led, not even before it heard the others.
    expect(b.changes).not.toContain("b");
    expect(c.changes).not.toContain("c");
    await a.election.close(); // says goodbye: no need to wait for the timeout
    await until(() => [b, c].every((n) => n.election.leader === "b"));
  });

  it("declares a silent node gone after the timeout, but not while the broker link is down", async () => {
    const a = await node("a1");
    await new Promise((r) => setTimeout(r, 5));
    const b = await node("b1");
    await until(() => b.election.leader === "a1");
    // b's link goes down, and a goes silent (its broker closes, no goodbye): while b's link is
    // down, nobody is declared gone.
    const link = (buses[1] as InternalBus).inner as BlinkingBroker;
    link.report({ ok: false, reason: "test" });
    await (buses[0] as InternalBus).close();
    await new Promise((r) => setTimeout(r, 400));
    expect(b.election.leader).toBe("a1");
    expect(a.election.leader).toBe("a1");
    link.report({ ok: true });
    await until(() => b.election.leader === "b1");
  });
});
