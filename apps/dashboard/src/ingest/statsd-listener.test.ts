/**
 * The StatsD listener on a real UDP socket, with the store replaced by a recorder: what a
 * datagram brings is counted at once, and `close` stores the open interval.
 */
import dgram from "node:dgram";
import { describe, expect, it } from "vitest";
import { until } from "../../../../packages/server/test/until.js";
import { IngestCounters } from "./ingest-counters.js";
import { IngestGate } from "./ingest-gate.js";
import type { Point } from "./point.js";
import { StatsdListener } from "./statsd-listener.js";

describe("StatsdListener", () => {
  it("counts each datagram's lines as they come and stores the open interval on close", async () => {
    const stored: Point[] = [];
    const counters = new IngestCounters();
    const listener = new StatsdListener(
      // An interval longer than the test: only `close` flushes.
      { host: "127.0.0.1", port: 0, flushMs: 60_000, maxKeys: 10, maxSetMembers: 10 },
      {
        ingest: async (parsed) => {
          stored.push(...parsed.points);
          return { accepted: parsed.points.length, rejected: [], rejectedTotal: 0, ignored: 0 };
        },
        onIngest: () => {},
        counters,
        gate: new IngestGate(1),
        warn: () => {},
      },
    );
    const { port } = await listener.start();
    const statsd = (result: string) => {
      const values = counters.metrics()[0]?.read();
      if (values === undefined || typeof values === "number") return undefined;
      return [...values].find(([l]) => l.format === "statsd" && l.result === result)?.[1];
    };
    const client = dgram.createSocket("udp4");
    client.send("q.hits:2|c\nq.hits:3|c\nq.bad|c\n_sc|x|0", port, "127.0.0.1");
    await until(() => statsd("accepted") === 2, 30_000, "2 samples counted");
    expect([statsd("ignored"), statsd("refused")]).toEqual([1, 1]);
    expect(stored).toEqual([]);
    const before = Date.now();
    await listener.close();
    client.close();
    expect(stored.map((p) => [p.name, p.value])).toEqual([["q.hits", 5]]);
    expect(stored[0]?.ts).toBeGreaterThanOrEqual(before);
  });
});
