import { type Client, CloseCode, connect } from "@dashwire/client/node";
import { type BrokerSink, createServer, type DashwireServer, MemoryBroker } from "@dashwire/server";
import { afterEach, describe, expect, it } from "vitest";
import { RawClient } from "./raw-client.js";
import { TcpProxy } from "./tcp-proxy.js";
import { until as waitUntil } from "./until.js";

/** Delivery tests wait longer by default (thousands of messages on a shared machine). */
const until = (check: () => boolean, timeoutMs = 10_000) => waitUntil(check, timeoutMs);

let server: DashwireServer;
let port: number;
let proxy: TcpProxy | undefined;
const clients: Client[] = [];
const raws: RawClient[] = [];

async function start(options: Parameters<typeof createServer>[0] = {}): Promise<void> {
  server = createServer({ logLevel: "silent", ...options });
  ({ port } = await server.listen(0, "127.0.0.1"));
}

function client(viaPort = port): Client {
  const c = connect(`ws://127.0.0.1:${viaPort}/dashwire`, { reconnect: { minDelayMs: 10, maxDelayMs: 50 } });
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const r of raws.splice(0)) r.close();
  await proxy?.close();
  proxy = undefined;
  await server?.close();
});

/** Publishes `count` numbered publications, a few per event-loop turn, while `during` runs. */
async function stream(topic: string, count: number, during: (i: number) => void | Promise<void>): Promise<void> {
  for (let i = 0; i < count; i++) {
    await server.publish(topic, i);
    await during(i);
    if (i % 5 === 0) await new Promise((r) => setImmediate(r));
  }
}

describe("resume without loss", () => {
  it("sees every offset exactly once, in order, across server-side drops mid-stream", async () => {
    await start();
    server.topic("orders", { history: { size: 2000 } });
    const c = client();
    const offsets: number[] = [];
    const sub = c.subscribe("orders", (_d, pub) => offsets.push(pub.offset));
    await sub.ready;
    const recoveries: boolean[] = [];
    sub.on("subscribed", (r) => recoveries.push(r.recovered));
    await stream("orders", 1000, async (i) => {
      if (i !== 300 && i !== 700) return;
      // Second drop only once the first resume completed, so both are exercised.
      if (i === 700) await until(() => recoveries.length === 1);
      for (const s of server.clients()) s.disconnect(CloseCode.HeartbeatTimeout, "drop");
    });
    await until(() => offsets.length >= 1000);
    expect(offsets).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    await until(() => recoveries.length === 2);
    expect(recoveries).toEqual([true, true]);
  });

  it("sees every offset exactly once, in order, across network cuts (client side)", async () => {
    await start();
    server.topic("orders", { history: { size: 2000 } });
    proxy = new TcpProxy(port);
    const c = client(await proxy.listen());
    const offsets: number[] = [];
    await c.subscribe("orders", (_d, pub) => offsets.push(pub.offset)).ready;
    await stream("orders", 1000, (i) => {
      if (i === 250 || i === 600 || i === 900) proxy?.cut();
    });
    await until(() => offsets.length >= 1000);
    expect(offsets).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  });

  it("answers a gap older than history with recovered: false and a snapshot of the latest values", async () => {
    await start();
    server.topic("prices", { history: { size: 10 }, latest: { maxKeys: 100 } });
    proxy = new TcpProxy(port);
    const c = client(await proxy.listen());
    const seen = new Map<string, number>();
    const sub = c.subscribe("prices", (d, pub) => seen.set(pub.key as string, d as number), { snapshot: true });
    await sub.ready;
    await server.publish("prices", 1, { key: "a" });
    await until(() => seen.size === 1);
    const outcomes: { recovered: boolean; snapshot?: boolean }[] = [];
    sub.on("subscribed", (r) => outcomes.push(r));
    proxy.refuse = true;
    proxy.cut();
    await until(() => c.state === "connecting");
    const latest: Record<string, number> = {};
    for (let i = 0; i < 100; i++) {
      const key = `k${i % 7}`;
      await server.publish("prices", i, { key });
      latest[key] = i;
    }
    proxy.refuse = false;
    await until(() => outcomes.length === 1);
    expect(outcomes[0]).toMatchObject({ recovered: false, snapshot: true });
    await until(() => Object.entries(latest).every(([k, v]) => seen.get(k) === v));
    for (const [k, v] of Object.entries(latest)) expect(seen.get(k)).toBe(v);
  });
});

/** A broker that stores every publication but loses the delivery of the ones it is told to. */
class LossyBroker extends MemoryBroker {
  lose = new Set<number>();
  override start(sink: BrokerSink): Promise<void> {
    return super.start({
      onPublication: (pub) => {
        if (!this.lose.has(pub.offset)) sink.onPublication(pub);
      },
      onMessage: (topic, data) => sink.onMessage(topic, data),
      onStatus: (status) => sink.onStatus(status),
    });
  }
}

describe("broker-side loss", () => {
  it("turns a skipped offset into a resume: the client still gets every offset once", async () => {
    const broker = new LossyBroker();
    broker.lose = new Set([3, 7, 8]);
    await start({ broker });
    server.topic("feed", { history: { size: 100 } });
    const c = client();
    const offsets: number[] = [];
    const sub = c.subscribe("feed", (_d, pub) => offsets.push(pub.offset));
    await sub.ready;
    for (let i = 0; i < 10; i++) await server.publish("feed", i);
    await until(() => offsets.length >= 10);
    expect(offsets).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(server.stats.gaps).toBeGreaterThanOrEqual(1);
  });
});

describe("late broker deliveries", () => {
  it("does not send again what the subscribe's history read already covered", async () => {
    const broker = new LateBroker();
    await start({ broker });
    server.topic("feed", { history: { size: 100 } });
    const early = client();
    await early.subscribe("feed", () => {}).ready;
    // Stored at once, handed to the hub 150 ms later: the next subscriber reads offset 3 first.
    for (let i = 0; i < 3; i++) await server.publish("feed", i);
    const c = client();
    const offsets: number[] = [];
    const result = await c.subscribe("feed", (_d, pub) => offsets.push(pub.offset)).ready;
    expect(result.offset).toBe(3);
    await new Promise((r) => setTimeout(r, 200));
    await server.publish("feed", 3);
    await until(() => offsets.length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(offsets).toEqual([4]);
  });
});

describe("slow consumers", () => {
  it("keeps others complete while a stalled client gets a gap and recovers from history", async () => {
    await start({ limits: { queueBytes: 256 * 1024, transportHighWaterBytes: 64 * 1024 } });
    server.topic("ticks", { history: { size: 20_000 } });
    const fast = [client(), client(), client()];
    const got = fast.map(() => [] as number[]);
    await Promise.all(fast.map((c, n) => c.subscribe("ticks", (d) => got[n]!.push(d as number)).ready));
    proxy = new TcpProxy(port);
    const slow = client(await proxy.listen());
    const slowOffsets: number[] = [];
    const slowSub = slow.subscribe("ticks", (_d, pub) => slowOffsets.push(pub.offset));
    await slowSub.ready;
    const gaps: { from: number; to: number }[] = [];
    slowSub.on("gap", (g) => gaps.push(g));
    const reported: string[] = [];
    server.events.on("gap", (_client, topic) => reported.push(topic));
    proxy.hold("down", true); // the slow client reads nothing from now on
    // 10,000 × 2 KB: far more than loopback socket buffers absorb, so the server's queue limit is hit.
    const payload = "x".repeat(2000);
    let maxQueued = 0;
    const t0 = Date.now();
    for (let i = 0; i < 10_000; i++) {
      await server.publish("ticks", { i, payload });
      if (i % 20 === 0) {
        for (const c of server.clients())
          maxQueued = Math.max(maxQueued, (c as unknown as { queuedBytes: number }).queuedBytes);
        await new Promise((r) => setImmediate(r));
      }
    }
    await until(() => got.every((g) => g.length === 10_000), 30_000);
    const fastMs = Date.now() - t0;
    for (const g of got)
      expect(g.map((d) => (d as unknown as { i: number }).i)).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    // The stalled client cost the server at most its queue limit: the rest waits in history,
    // shared by everyone, not in a per-client backlog.
    expect(server.stats.dropsStream).toBeGreaterThan(0);
    expect(maxQueued).toBeLessThanOrEqual(256 * 1024);
    proxy.hold("down", false);
    // Gap notices arrive; the SDK resumes from history (in queue-sized steps) with no loss.
    await until(() => slowOffsets.length >= 10_000, 30_000);
    expect(gaps.length).toBeGreaterThan(0);
    expect(reported.length).toBe(gaps.length); // app code saw each gap too
    expect(new Set(reported)).toEqual(new Set(["ticks"]));
    expect(slowOffsets).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
    console.log(
      `slow-consumer: fast clients got 10,000 × 2 KB in ${fastMs} ms; slow one recovered through ${gaps.length} gap(s)`,
    );
  });

  it("latest mode: 1000 updates to 10 keys in a second arrive in at most 5 flushes a second, final values exact", async () => {
    await start();
    server.topic("kpi", { latest: { maxKeys: 100 } });
    const raw = await RawClient.connect(`ws://127.0.0.1:${port}/dashwire`);
    raws.push(raw);
    await raw.request({ t: "sub", topic: "kpi", mode: "latest", maxRate: 5 }, 1);
    const flushTimes: number[] = [];
    raw.ws.on("message", (data) => {
      if (data.toString().includes('"t":"msg"')) flushTimes.push(Date.now());
    });
    const final: Record<string, number> = {};
    const t0 = Date.now();
    for (let i = 0; i < 1000; i++) {
      const key = `k${i % 10}`;
      await server.publish("kpi", i, { key });
      final[key] = i;
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, Math.max(0, t0 + i - Date.now())));
    }
    await new Promise((r) => setTimeout(r, 400));
    // At most 5 flushes in any one-second window.
    for (let i = 0; i + 5 < flushTimes.length; i++)
      expect(flushTimes[i + 5]! - flushTimes[i]!).toBeGreaterThanOrEqual(990);
    expect(flushTimes.length).toBeLessThanOrEqual(7);
    const values = new Map<string, number>();
    for (const m of raw.messages) if (m.t === "msg") values.set(m.k as string, m.d as number);
    expect(Object.fromEntries(values)).toEqual(final);
    expect(raw.messages.filter((m) => m.t === "msg").length).toBeLessThan(100);
  });

  it("urgent publications bypass conflation", async () => {
    await start();
    const raw = await RawClient.connect(`ws://127.0.0.1:${port}/dashwire`);
    raws.push(raw);
    await raw.request({ t: "sub", topic: "alerts", mode: "latest", maxRate: 1 }, 1);
    await server.publish("alerts", "calm", { key: "a" });
    await server.publish("alerts", "still calm", { key: "a" });
    await server.publish("alerts", "FIRE", { key: "a", urgent: true });
    const urgent = await raw.next((m) => m.t === "msg" && m.d === "FIRE", 500);
    expect(urgent.u).toBe(1);
  });
});

/** A broker that hands every live publication to the hub 150 ms after storing it. */
class LateBroker extends MemoryBroker {
  override start(sink: BrokerSink): Promise<void> {
    return super.start({
      onPublication: (pub) => void setTimeout(() => sink.onPublication(pub), 150),
      onMessage: (topic, data) => sink.onMessage(topic, data),
      onStatus: (status) => sink.onStatus(status),
    });
  }
}
