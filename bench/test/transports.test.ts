import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { LoadGenerator } from "../src/load/load-generator.js";
import type { LoadPlan } from "../src/load/load-plan.js";
import { runTarget } from "../src/run/target-run.js";
import { createDashwireTarget } from "../src/targets/dashwire-app.js";
import { TARGETS } from "../src/targets/targets.js";

// A tiny all-to-all load: 10 users at 5 updates/s for 1 s (500 deliveries expected).
const tiny: Partial<LoadPlan> = {
  publishers: 10,
  subscribers: 10,
  ratePerPublisher: 5,
  warmupS: 0.3,
  durationS: 1,
  drainS: 2,
};

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe("HTTP transports of the load generator", () => {
  it.each(["sse", "polling"] as const)("dashwire over %s: every update reaches every subscriber", async (transport) => {
    const app = createDashwireTarget();
    // Our own HTTP server, to see which routes the clients used.
    const server = createServer();
    app.attach(server);
    const routes = new Set<string>();
    let upgrades = 0;
    server.on("request", (req) => routes.add((req.url ?? "").split("?")[0] as string));
    server.on("upgrade", () => upgrades++);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    closers.push(async () => {
      await app.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    const result = await new LoadGenerator({
      ...tiny,
      url: `ws://127.0.0.1:${port}`,
      protocol: "dashwire",
      transport,
    }).run();
    expect(result.errorSamples).toEqual([]);
    expect(result.connected).toBe(10);
    expect(result.delivery.expected).toBeGreaterThanOrEqual(45 * 10);
    expect(result.deliveredPct).toBe(100);
    expect(result.delivery.reordered).toBe(0);
    // The clients came over the HTTP transport, never over WebSocket.
    expect(upgrades).toBe(0);
    expect([...routes].sort()).toEqual(
      transport === "sse" ? ["/dashwire/send", "/dashwire/sse"] : ["/dashwire/poll", "/dashwire/send"],
    );
  });

  it("Socket.IO over engine.io long-polling (no upgrade)", async () => {
    const run = await runTarget(
      TARGETS.socketio,
      { ...tiny, transport: "polling" },
      { serverCpus: "", loadCpus: "", inProcess: true, settleS: 0.2 },
    );
    expect(run.error).toBeUndefined();
    expect(run.transport).toBe("polling");
    expect(run.load!.connected).toBe(10);
    expect(run.load!.deliveredPct).toBe(100);
    expect(run.load!.errors).toBe(0);
  });

  it("refuses a transport the target does not offer", async () => {
    const gen = new LoadGenerator({ ...tiny, url: "ws://127.0.0.1:9", protocol: "json-ws", transport: "sse" });
    await expect(gen.run()).rejects.toThrow(/no sse transport/);
  });
});
