/**
 * StatsD over real UDP (`statsd: "127.0.0.1:0"`): counters, gauges, timers, sets and DogStatsD
 * tags sent in datagrams are aggregated per flush interval and queryable over HTTP with the right
 * values; python3's socket module (a real client stack) sends one; hostile input is counted and
 * bounded. Each case sends its samples in one datagram, so they fall in one interval.
 */
import { execFile } from "node:child_process";
import dgram from "node:dgram";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import net, { type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../../packages/server/test/until.js";
import { startApp, type TestApp } from "../api/helpers.js";
import { counter, rowsOf, seriesIds } from "./agent-helpers.js";

const MAX_KEYS = 50;
let t: TestApp;
let port: number;
const client = dgram.createSocket("udp4");
beforeAll(async () => {
  t = await startApp({ statsd: "127.0.0.1:0", statsdFlushMs: 1000, statsdMaxKeys: MAX_KEYS });
  port = (t.app.listeners.statsd as AddressInfo).port;
});
afterAll(async () => {
  client.close();
  await t.close();
});

const statsd = (result: string) => counter(t, `dashwire_ingest_points_total{format="statsd",result="${result}"}`);

/** Sends one datagram. */
function send(data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    client.send(data, port, "127.0.0.1", (err) => (err ? reject(err) : resolve())),
  );
}

/** The value (`last`) of the newest stored point of `id`, once there is one. */
async function lastValue(id: string): Promise<number | undefined> {
  const rows = await rowsOf(t, id, 1, 30_000);
  return rows[rows.length - 1]?.[5];
}

// A backstop for a loaded machine: each case waits on events (stored rows, counters), never on time.
describe("StatsD over UDP", { timeout: 90_000 }, () => {
  it("aggregates counters (with sample rates), timers and sets over the interval", async () => {
    const before = await statsd("accepted");
    const timers = Array.from({ length: 10 }, (_, i) => `sd.lat:${(i + 1) * 10}|ms`);
    await send(
      [
        "sd.hits:1|c",
        "sd.hits:2|c|@0.5",
        "sd.hits:3|c",
        ...timers,
        "sd.users:ann|s",
        "sd.users:bob|s",
        "sd.users:ann|s",
      ].join("\n"),
    );
    expect(await lastValue("sd.hits")).toBe(8);
    expect(await lastValue("sd.users")).toBe(2);
    const timer = Object.fromEntries(
      await Promise.all(
        ["count", "sum", "mean", "min", "max", "p50", "p90", "p99"].map(async (s) => [
          s,
          await lastValue(`sd.lat.${s}`),
        ]),
      ),
    );
    expect(timer).toEqual({ count: 10, sum: 550, mean: 55, min: 10, max: 100, p50: 50, p90: 90, p99: 100 });
    expect((await statsd("accepted")) - before).toBe(16);
    // One point per interval, stamped with its last millisecond: the bucket is one second, one point.
    const [row] = await rowsOf(t, "sd.hits", 1, 30_000);
    expect(row?.[1]).toBe(1);
  });

  it("applies gauge changes to the last value across intervals", async () => {
    await send("sd.temp:10|g");
    expect(await lastValue("sd.temp")).toBe(10);
    await send("sd.temp:+5|g\nsd.temp:-2|g");
    await until(async () => (await lastValue("sd.temp")) === 13, 30_000, "the gauge at 13");
  });

  it("turns DogStatsD tags into tags, a bare tag into tag=true", async () => {
    await send("sd.req:1|c|#route:/a,env:prod,canary\nsd.req:1|c|#env:prod,route:/a,canary");
    expect(await lastValue("sd.req,canary=true,env=prod,route=/a")).toBe(2);
  });

  it("takes a datagram sent by python3's socket module", async () => {
    // Not execFileSync: that blocks this process, the app's server included, for as long as
    // python3 takes to start. Past 5 s (a loaded machine) the server's keep-alive timer and the
    // next fetch on its idle connection then run back to back, and the fetch got ECONNRESET.
    await promisify(execFile)("python3", [
      "-c",
      `import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"sd.py.hits:3|c\\nsd.py.hits:4|c", ("127.0.0.1", ${port}))`,
    ]);
    expect(await lastValue("sd.py.hits")).toBe(7);
  });

  it("refuses oversized, invalid UTF-8, malformed and over-tagged lines, and keeps the good ones of the datagram", async () => {
    const before = { refused: await statsd("refused"), ignored: await statsd("ignored") };
    const tags = Array.from({ length: 1000 }, (_, i) => `t${i}:v`).join(",");
    await send(
      Buffer.concat([
        Buffer.from(`sd.bad.long:${"1".repeat(9000)}|c\nsd.bad.`),
        Buffer.from([0xc3, 0x28]),
        Buffer.from(`:1|c\nsd.bad.tags:1|c|#${tags}\nsd.bad.type:1|q\n_e{1,1}:a|b\nsd.good:5|g\n`),
      ]),
    );
    expect(await lastValue("sd.good")).toBe(5);
    await until(async () => (await statsd("refused")) - before.refused === 4, 30_000, "4 lines refused");
    expect((await statsd("ignored")) - before.ignored).toBe(1);
    expect(await seriesIds(t, "sd.bad")).toEqual([]);
  });

  it(`refuses samples of series past ${MAX_KEYS} per interval, counted, and recovers in the next interval`, async () => {
    const before = await statsd("refused");
    // One datagram: all in one interval, with the others' series of this interval (none are sent now).
    await send(Array.from({ length: MAX_KEYS * 2 }, (_, i) => `sd.many.k${i}:1|c`).join("\n"));
    await until(async () => (await statsd("refused")) - before === MAX_KEYS, 30_000, `${MAX_KEYS} refused`);
    await rowsOf(t, `sd.many.k${MAX_KEYS - 1}`, 1, 30_000);
    expect((await seriesIds(t, "sd.many.")).length).toBe(MAX_KEYS);
    await send("sd.many.later:1|c");
    expect(await lastValue("sd.many.later")).toBe(1);
  });
});

describe("a listener that cannot bind", () => {
  it("fails the start naming the listener, and frees the listeners it had opened", async () => {
    const taken = dgram.createSocket("udp4");
    await new Promise<void>((r) => taken.bind(0, "127.0.0.1", r));
    const graphitePort = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const { port: p } = s.address() as AddressInfo;
        s.close(() => resolve(p));
      });
    });
    const dataDir = await mkdtemp(join(tmpdir(), "dashwire-bind-"));
    const failed = startApp({
      dataDir,
      graphite: `127.0.0.1:${graphitePort}`,
      statsd: `127.0.0.1:${taken.address().port}`,
    });
    await expect(failed).rejects.toThrow(`statsd listener on 127.0.0.1:${taken.address().port}: bind EADDRINUSE`);
    await rm(dataDir, { recursive: true, force: true });
    taken.close();
    // The Graphite port it had bound first is free again.
    const again = net.createServer();
    await new Promise<void>((resolve, reject) =>
      again.once("error", reject).listen(graphitePort, "127.0.0.1", resolve),
    );
    await new Promise((r) => again.close(r));
  });
});
