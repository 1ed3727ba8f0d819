import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { LoadGenerator } from "../src/load/load-generator.js";
import type { BenchReport } from "../src/report/bench-report.js";
import { collectEnvironment } from "../src/report/environment.js";
import { renderHtml } from "../src/report/html.js";
import { renderMarkdown } from "../src/report/markdown.js";
import { runTarget } from "../src/run/target-run.js";
import { TARGETS } from "../src/targets/targets.js";
import { benchDefaults } from "../src/bench-options.js";
import { tiny } from "./tiny-load.js";

const unpinned = { serverCpus: "", loadCpus: "", inProcess: true, settleS: 0.2 };

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe("end to end against real servers", () => {
  it("runs the ws peer: everything delivered, latency and server usage measured, reports render", async () => {
    const run = await runTarget(TARGETS.ws, tiny, unpinned);
    expect(run.error).toBeUndefined();
    const load = run.load!;
    expect(load.connected).toBe(20);
    expect(load.delivery.sentInWindow).toBeGreaterThanOrEqual(95);
    expect(load.delivery.expected).toBe(load.delivery.sentInWindow * 20);
    expect(load.delivery.lost).toBe(0);
    expect(load.deliveredPct).toBe(100);
    expect(load.delivery.latency.p99).toBeGreaterThan(0);
    expect(load.delivery.latency.p99).toBeLessThan(500);
    expect(load.errors).toBe(0);
    expect(run.server!.rssAvgMB).toBeGreaterThan(20);
    expect(run.series.length).toBeGreaterThan(0);

    const report: BenchReport = {
      scenario: "seed-100",
      workload: "tiny",
      options: benchDefaults,
      environment: collectEnvironment("test"),
      notes: [],
      targets: [{ target: "ws", label: TARGETS.ws.label, transport: "websocket", runs: [run] }],
    };
    const md = renderMarkdown(report);
    expect(md).toMatch(/\| ws \(Node, one write per message\) \| \d+ % \| \d+ MB .*\| 100 % \|/);
    expect(md).toContain("Node v");
    expect(renderHtml(report)).toContain("<svg");
  });

  it("runs the Socket.IO peer over the engine.io v4 protocol", async () => {
    const run = await runTarget(TARGETS.socketio, tiny, unpinned);
    expect(run.error).toBeUndefined();
    expect(run.load!.deliveredPct).toBe(100);
    expect(run.load!.errors).toBe(0);
  });

  it("counts a stall in the load generator as latency (open loop, no coordinated omission)", async () => {
    const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    closers.push(() => new Promise<void>((r) => wss.close(() => r())));
    wss.on("connection", (ws) => {
      ws.on("message", (data, isBinary) => {
        for (const c of wss.clients) if (c.readyState === WebSocket.OPEN) c.send(data, { binary: isBinary });
      });
    });
    await new Promise((r) => wss.once("listening", r));
    const { port } = wss.address() as { port: number };
    const gen = new LoadGenerator(
      {
        ...tiny,
        publishers: 10,
        subscribers: 10,
        ratePerPublisher: 20,
        url: `ws://127.0.0.1:${port}`,
        protocol: "json-ws",
        path: "/",
      },
      {
        phase: (phase) => {
          if (phase !== "measure") return;
          // Freeze the generator's event loop for 300 ms in the window: sends go out late.
          setTimeout(() => {
            const end = performance.now() + 300;
            while (performance.now() < end) {
              // spin
            }
          }, 200);
        },
      },
    );
    const result = await gen.run();
    expect(result.deliveredPct).toBe(100);
    // Messages scheduled during the freeze were sent ~300 ms late: that is their latency.
    expect(result.sendLag.max).toBeGreaterThan(250);
    expect(result.delivery.latency.max).toBeGreaterThan(250);
    expect(result.delivery.latency.p50).toBeLessThan(result.delivery.latency.max / 2);
  });
});
