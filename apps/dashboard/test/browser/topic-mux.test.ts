/**
 * The UI's topic mux against a real server and the real SDK (issue 12, item 8): the System
 * dashboard's RSS gauge (latest, 1/s) and Memory chart (stream) share `metrics:dashwire.rss_mb`.
 * The chart's arrival replaced the gauge's subscription, whose `ready` then rejected: the gauge
 * said "no data" while values kept coming. Each share must get what it asked for.
 */
import { connect } from "@dashwire/client/node";
import { createServer, type DashwireServer } from "@dashwire/server";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../../../../packages/server/test/until.js";
import { TopicMux } from "../../ui/src/live/topic-mux.js";

let server: DashwireServer | undefined;
let close: (() => void) | undefined;
afterEach(async () => {
  close?.();
  await server?.close();
});

async function start() {
  server = createServer({ logLevel: "silent" });
  server.topic("metrics:*", { history: { size: 300 }, latest: { maxKeys: 1 } });
  const { port } = await server.listen(0, "127.0.0.1");
  const client = connect(`ws://127.0.0.1:${port}/dashwire`);
  close = () => client.close();
  return { server, mux: new TopicMux(client) };
}

describe("TopicMux", () => {
  it("keeps a latest share live and rate-capped when a stream share joins its topic", async () => {
    const { server, mux } = await start();
    const topic = "metrics:dashwire.rss_mb";
    const gauge: number[] = [];
    const chart: number[] = [];
    // The order of the System dashboard: the gauge first, the chart right after.
    const g = mux.subscribe(topic, (d) => gauge.push((d as { v: number }).v), {
      mode: "latest",
      maxRate: 1,
      snapshot: true,
    });
    const c = mux.subscribe(topic, (d) => chart.push((d as { v: number }).v), {
      mode: "stream",
      maxRate: 2,
      snapshot: true,
    });
    let gaugeError: unknown;
    g.ready.catch((err: unknown) => {
      gaugeError = err;
    });
    await Promise.all([g.ready, c.ready]);
    expect(mux.size).toBe(1);

    const started = Date.now();
    for (let v = 1; v <= 20; v++) {
      await server.publish(topic, { v }, { key: "rss" });
      await new Promise((r) => setTimeout(r, 10));
    }
    // The stream share gets every publication, in order.
    await until(() => chart.length === 20, 5000, "the chart got all 20");
    expect(chart).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // The latest share gets the newest value, at most once a second (+1 for the first at once).
    await until(() => gauge.at(-1) === 20, 3000, "the gauge shows the newest value");
    const seconds = (Date.now() - started) / 1000;
    expect(gauge.length).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
    expect(gauge.length).toBeGreaterThanOrEqual(2);
    expect(gaugeError).toBeUndefined();

    // The gauge leaving does not end the chart's subscription, and the other way round.
    g.unsubscribe();
    await server.publish(topic, { v: 21 }, { key: "rss" });
    await until(() => chart.at(-1) === 21, 3000, "the chart keeps receiving");
    c.unsubscribe();
    expect(mux.size).toBe(0);
  });

  it("still reports a real refusal to every share", async () => {
    const { server, mux } = await start();
    server.topic("secret:*", { canSubscribe: () => false });
    const a = mux.subscribe("secret:x", () => {}, { mode: "latest", maxRate: 1 });
    const b = mux.subscribe("secret:x", () => {}, { mode: "stream" });
    // Each share hears the refusal as an `error` too (the panel shows it), once: the first
    // subscription, replaced for the stream share, ended without one.
    const errors: string[] = [];
    a.on("error", (e) => errors.push(`a ${e.code}`));
    b.on("error", (e) => errors.push(`b ${e.code}`));
    await expect(a.ready).rejects.toThrow(/not allowed/);
    await expect(b.ready).rejects.toThrow(/not allowed/);
    expect(errors).toEqual(["a 2003", "b 2003"]);
  });

  it("tells a share that joins a confirmed subscription that it is confirmed", async () => {
    const { mux } = await start();
    const topic = "metrics:joined.late";
    const first = mux.subscribe(topic, () => {}, { mode: "stream", maxRate: 10 });
    const heard: string[] = [];
    first.on("subscribed", () => heard.push("first"));
    await first.ready;
    await until(() => heard.length === 1, 3000, "the first share confirmed");
    // A latest share the stream subscription covers: no new subscription, and yet confirmed.
    const late = mux.subscribe(topic, () => {}, { mode: "latest", maxRate: 10 });
    late.on("subscribed", () => heard.push("late"));
    await until(() => heard.includes("late"), 3000, "the late share confirmed");
    expect(heard).toEqual(["first", "late"]);
    first.unsubscribe();
    late.unsubscribe();
  });
});
