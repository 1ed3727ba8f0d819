/**
 * The Graphite listener's connection handling on real TCP sockets, with the store replaced by a
 * recorder: a full ingest gate delays lines but loses none, `close` stores what was read, and a
 * connection whose handling throws is closed while the listener goes on.
 */
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../../../../packages/server/test/until.js";
import { GraphiteListener } from "./graphite-listener.js";
import { MAX_GRAPHITE_LINE_BYTES } from "./graphite-lines.js";
import { IngestCounters } from "./ingest-counters.js";
import { IngestGate } from "./ingest-gate.js";
import type { ListenerDeps } from "./listener-deps.js";
import type { Point } from "./point.js";

function recorder(counters = new IngestCounters()) {
  const stored: Point[] = [];
  const warnings: string[] = [];
  const gate = new IngestGate(1);
  const deps: ListenerDeps = {
    ingest: async (parsed) => {
      stored.push(...parsed.points);
      return {
        accepted: parsed.points.length,
        rejected: parsed.rejected,
        rejectedTotal: parsed.rejected.length,
        ignored: parsed.ignored,
      };
    },
    onIngest: () => {},
    counters,
    gate,
    warn: (_err, message) => warnings.push(message),
  };
  return { stored, warnings, gate, deps };
}

let listener: GraphiteListener | undefined;
afterEach(async () => {
  await listener?.close();
  listener = undefined;
});

async function start(deps: ListenerDeps): Promise<number> {
  listener = new GraphiteListener({ host: "127.0.0.1", port: 0, maxConnections: 10 }, deps);
  return (await listener.start()).port;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

/** A listener whose ingest gate is held full, a client connected to it, and the gate's release. */
async function fullGate() {
  const r = recorder();
  const port = await start(r.deps);
  let free = () => {};
  const held = r.gate.run(() => new Promise<void>((resolve) => (free = resolve)));
  const client = await connect(port);
  const release = () => {
    free();
    return held;
  };
  return { r, client, release };
}

describe("GraphiteListener", () => {
  it("holds lines while the ingest gate is full and stores them all, in order, once it frees", async () => {
    const { r, client, release } = await fullGate();
    const n = 5000;
    client.write(Array.from({ length: n }, (_, i) => `held ${i} 1700000000.${String(i).padStart(3, "0")}\n`).join(""));
    // The listener read lines and was refused a slot: nothing is stored, nothing dropped.
    await until(() => r.gate.refused > 0, 30_000, "a refused batch");
    expect(r.stored).toEqual([]);
    await release();
    await until(() => r.stored.length >= n, 30_000, `${n} lines stored`);
    expect(r.stored.map((p) => p.value)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(r.stored[1]?.origin).toBe(2);
    client.destroy();
  });

  it("stores on close what it read, even when the gate was full as close began", async () => {
    const { r, client, release } = await fullGate();
    client.on("error", () => {});
    client.write("a 1\nb 2\nc 3");
    await until(() => r.gate.refused > 0, 30_000, "a refused batch");
    const closing = (listener as GraphiteListener).close();
    listener = undefined;
    await release();
    await closing;
    // The last line had no newline yet: closing ends the stream, so it is a line.
    expect(r.stored.map((p) => p.name)).toEqual(["a", "b", "c"]);
  });

  it("closes a connection whose handling throws; the listener and other connections go on", async () => {
    class FailOnce extends IngestCounters {
      failed = false;
      override record(...args: Parameters<IngestCounters["record"]>): void {
        if (!this.failed) {
          this.failed = true;
          throw new Error("boom");
        }
        super.record(...args);
      }
    }
    const r = recorder(new FailOnce());
    const port = await start(r.deps);
    const bad = await connect(port);
    const closed = new Promise<void>((resolve) => bad.once("close", () => resolve()));
    bad.on("error", () => {});
    // An over-long line is counted as it is skipped: the throwing counter fails that handling.
    bad.write("x".repeat(MAX_GRAPHITE_LINE_BYTES + 10));
    await closed;
    expect(r.warnings).toContain("graphite: closing a connection whose data could not be handled");
    const good = await connect(port);
    good.end("still.works 1 1700000000\n");
    await until(() => r.stored.length === 1, 30_000, "the good line");
    expect(r.stored[0]?.name).toBe("still.works");
  });
});
