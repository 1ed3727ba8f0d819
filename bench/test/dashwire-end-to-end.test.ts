import { afterEach, describe, expect, it } from "vitest";
import { LoadGenerator } from "../src/load/load-generator.js";
import { createDashwireTarget } from "../src/targets/dashwire-app.js";

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function startDashwire(): Promise<string> {
  const app = createDashwireTarget();
  const { port } = await app.listen(0, "127.0.0.1");
  closers.push(() => app.close());
  return `ws://127.0.0.1:${port}`;
}

describe("dashwire target end to end", () => {
  it("all-to-all: every update reaches every subscriber over the dashwire protocol", async () => {
    const url = await startDashwire();
    const result = await new LoadGenerator({
      url,
      protocol: "dashwire",
      publishers: 20,
      subscribers: 20,
      ratePerPublisher: 5,
      warmupS: 0.3,
      durationS: 1,
      drainS: 2,
    }).run();
    expect(result.errorSamples).toEqual([]);
    expect(result.connected).toBe(20);
    expect(result.delivery.expected).toBeGreaterThanOrEqual(95 * 20);
    expect(result.deliveredPct).toBe(100);
    expect(result.delivery.reordered).toBe(0);
  });

  it("fan-out: a publish-only client reaches subscribers it does not belong to", async () => {
    const url = await startDashwire();
    const result = await new LoadGenerator({
      url,
      protocol: "dashwire",
      publishers: 1,
      subscribers: 30,
      publishersSubscribe: false,
      ratePerPublisher: 50,
      warmupS: 0.3,
      durationS: 1,
      drainS: 2,
    }).run();
    expect(result.connections).toBe(31);
    expect(result.delivery.sentInWindow).toBeGreaterThanOrEqual(45);
    expect(result.delivery.expected).toBe(result.delivery.sentInWindow * 30);
    expect(result.deliveredPct).toBe(100);
  });
});
