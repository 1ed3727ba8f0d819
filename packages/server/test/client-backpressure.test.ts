/**
 * Per-client backpressure for the app (issue 19) over every transport of the contract suite:
 * `client.backpressure()` shows a connection whose reader stopped (queued bytes, congestion, lag,
 * drops), and `publish` with `reportBackpressure` counts the congested subscribers.
 */
import type { TransportName } from "@dashwire/client/node";
import type { Client as ServerClient } from "@dashwire/server";
import { describe, expect, it } from "vitest";
import { client, faultProxy, server, start } from "./transport-fixture.js";
import { until } from "./until.js";

describe.each(["websocket", "sse", "polling"] as const)("client backpressure: %s", (name) => {
  const forced = { transports: [name] as TransportName[] };

  it("a stalled reader shows as queued bytes, congestion, lag and drops, and in publish's report", async () => {
    await start({ limits: { queueBytes: 64 * 1024, transportHighWaterBytes: 16 * 1024 } });
    const [proxy, stalledUrl] = await faultProxy();
    const fast = client(forced);
    const slow = client(forced, stalledUrl);
    await fast.subscribe("feed", () => {}).ready;
    await slow.subscribe("feed", () => {}).ready;
    const peers = [...server.clients()] as ServerClient[];
    expect(peers).toHaveLength(2);
    // Both read: nothing congested, and the report says so.
    const calm = await server.publish("feed", "x", { reportBackpressure: true });
    expect(calm.backpressure).toEqual({ subscribers: 2, congested: 0, allCongested: false });
    // (A long-polling connection counts as congested between two polls: its transport takes nothing then.)
    for (const p of peers)
      expect(p.backpressure()).toMatchObject(
        name === "polling" ? { drops: 0 } : { congested: false, lagMs: 0, drops: 0 },
      );
    // The slow one stops reading: publish until its transport refuses more and its queue drops.
    proxy.hold("down", true);
    const chunk = "y".repeat(8 * 1024);
    const stalled = () => peers.find((p) => p.backpressure().drops > 0);
    await until(async () => {
      await server.publish("feed", chunk);
      return stalled() !== undefined;
    }, 20_000);
    const slowPeer = stalled() as ServerClient;
    const fastPeer = peers.find((p) => p !== slowPeer) as ServerClient;
    const seen = slowPeer.backpressure();
    expect(seen.congested).toBe(true);
    expect(seen.limitBytes).toBe(64 * 1024);
    expect(seen.queuedBytes).toBeGreaterThan(0);
    await until(() => slowPeer.backpressure().lagMs > 0);
    expect(fastPeer.backpressure().drops).toBe(0);
    expect(fastPeer.backpressure().queuedBytes).toBeLessThan(32 * 1024);
    const report = await server.publish("feed", chunk, { reportBackpressure: true });
    expect(report.backpressure).toEqual({ subscribers: 2, congested: 1, allCongested: false });
    expect(report.offset).toBeGreaterThan(calm.offset);
    // Without the option, nothing is read and nothing reported.
    expect((await server.publish("feed", "z")).backpressure).toBeUndefined();
    proxy.hold("down", false);
  });
});
