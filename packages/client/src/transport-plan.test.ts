import { describe, expect, it } from "vitest";
import { createTransportMemory, type StorageLike } from "./transport-memory.js";
import { TransportPlan } from "./transport-plan.js";

/** A `localStorage` stand-in over a Map. */
function storage(): StorageLike & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

describe("TransportPlan", () => {
  it("tries every candidate once per cycle, in order, then starts over", () => {
    const plan = new TransportPlan(["websocket", "sse", "polling"], "ws://h/d", undefined);
    expect(plan.begin()).toBe("websocket");
    expect(plan.hasNext).toBe(true);
    expect(plan.next()).toBe("sse");
    expect(plan.next()).toBe("polling");
    expect(plan.hasNext).toBe(false);
    expect(plan.next()).toBeUndefined();
    expect(plan.begin()).toBe("websocket");
  });

  it("starts the next cycle with what worked and wraps around to the rest", () => {
    const plan = new TransportPlan(["websocket", "sse", "polling"], "ws://h/d", undefined);
    plan.begin();
    plan.succeeded("sse");
    expect(plan.begin()).toBe("sse");
    expect([plan.next(), plan.next(), plan.next()]).toEqual(["polling", "websocket", undefined]);
    expect(plan.upgradeTarget("sse")).toBe("websocket");
    expect(plan.upgradeTarget("websocket")).toBeUndefined();
  });

  it("remembers per URL in storage with an expiry, and ignores junk and forced lists", () => {
    let now = 1000;
    const store = storage();
    const memory = createTransportMemory(60_000, () => now, store);
    new TransportPlan(["websocket", "sse", "polling"], "ws://h/d", memory).succeeded("polling");
    expect(JSON.parse(store.map.get("dashwire:transport:ws://h/d") as string)).toEqual({
      name: "polling",
      until: 61_000,
    });
    // Kept per endpoint, without its query (no token in storage).
    const withToken = new TransportPlan(["websocket", "polling"], "ws://h/d?token=secret", memory);
    expect(withToken.begin()).toBe("polling");
    withToken.succeeded("polling");
    expect([...store.map.keys()]).toEqual(["dashwire:transport:ws://h/d"]);
    // A new client (a reload) starts where the last one ended up.
    expect(new TransportPlan(["websocket", "sse", "polling"], "ws://h/d", memory).begin()).toBe("polling");
    expect(new TransportPlan(["websocket", "sse", "polling"], "ws://other/d", memory).begin()).toBe("websocket");
    // A forced transport is not remembered; a list without the remembered one ignores it.
    new TransportPlan(["websocket"], "ws://h/d", memory).succeeded("websocket");
    expect(memory.get("ws://h/d")).toBe("polling");
    expect(new TransportPlan(["sse", "websocket"], "ws://h/d", memory).begin()).toBe("sse");
    now = 61_000;
    expect(memory.get("ws://h/d")).toBeUndefined();
    store.map.set("dashwire:transport:ws://h/d", "{not json");
    expect(memory.get("ws://h/d")).toBeUndefined();
    store.map.set("dashwire:transport:ws://h/d", JSON.stringify({ name: "pigeon", until: 1e15 }));
    expect(memory.get("ws://h/d")).toBeUndefined();
  });

  it("keeps at most 64 endpoints in process memory", () => {
    const memory = createTransportMemory(60_000, () => 0, undefined);
    for (let i = 0; i < 70; i++) memory.set(`ws://h${i}/d`, "sse");
    expect(memory.get("ws://h0/d")).toBeUndefined();
    expect(memory.get("ws://h69/d")).toBe("sse");
  });
});
