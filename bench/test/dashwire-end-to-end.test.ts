import { afterEach, describe, expect, it } from "vitest";
import { LoadGenerator } from "../src/load/load-generator.js";
import { createDashwireTarget } from "../src/targets/dashwire-app.js";
import { tiny } from "./tiny-load.js";

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function startDashwire(codec: "json" | "msgpack" = "json"): Promise<string> {
  const app = createDashwireTarget({ codec });
  const { port } = await app.listen(0, "127.0.0.1");
  closers.push(() => app.close());
  return `ws://127.0.0.1:${port}`;
}

describe("dashwire target end to end", () => {
  // msgpack (issue 19): every frame both ways is MessagePack (a JSON frame would come back as an err).
  it.each(["json", "msgpack"] as const)(
    "all-to-all (%s): every update reaches every subscriber over the dashwire protocol",
    async (codec) => {
      const url = await startDashwire(codec);
      const result = await new LoadGenerator({
        url,
        protocol: "dashwire",
        codec,
        ...tiny,
      }).run();
      expect(result.errorSamples).toEqual([]);
      expect(result.connected).toBe(20);
      expect(result.delivery.expected).toBeGreaterThanOrEqual(95 * 20);
      expect(result.deliveredPct).toBe(100);
      expect(result.delivery.reordered).toBe(0);
    },
  );

  it("--codec msgpack against a JSON-only target: refused, nothing measured as JSON", async () => {
    const url = await startDashwire("json");
    const connected = await new LoadGenerator({
      url,
      protocol: "dashwire",
      codec: "msgpack",
      publishers: 1,
      subscribers: 1,
      warmupS: 0.1,
      durationS: 0.2,
      drainS: 0.2,
    })
      .run()
      .then(
        (r) => r.connected,
        () => 0,
      );
    expect(connected).toBe(0);
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
