import { describe, expectTypeOf, it } from "vitest";
import type { StreamPosition } from "@dashwire/client";
import { createDashwireHooks } from "./typed-hooks.js";

type Schema = {
  events: { add: { data: { a: number; b: number }; reply: number } };
  topics: { [k: `ticker:${string}`]: { price: number } };
  serverEvents: { notice: { text: string } };
};

const dw = createDashwireHooks<Schema>();

// Never called: hooks only run inside components. The checks are the type-checker's (tsc -p tsconfig.test.json).
function Typed() {
  const t = dw.useTopic("ticker:ACME", { mode: "latest" });
  expectTypeOf(t.data).toEqualTypeOf<{ price: number } | undefined>();
  expectTypeOf(t.items[0]?.data).toEqualTypeOf<{ price: number } | undefined>();
  // @ts-expect-error: not a topic of the schema
  dw.useTopic("weather");
  const emit = dw.useEmit();
  expectTypeOf(emit("add", { a: 1, b: 2 })).toEqualTypeOf<Promise<number>>();
  // @ts-expect-error: wrong payload
  emit("add", { a: "1", b: 2 });
  const publish = dw.usePublish();
  expectTypeOf(publish("ticker:X", { price: 1 })).toEqualTypeOf<Promise<StreamPosition>>();
  // @ts-expect-error: wrong payload
  publish("ticker:X", { cost: 1 });
  dw.useEvent("notice", (d) => expectTypeOf(d).toEqualTypeOf<{ text: string }>());
  // @ts-expect-error: not a server event of the schema
  dw.useEvent("other", () => {});
}

describe("createDashwireHooks", () => {
  it("types topics, payloads, events and replies by the schema", () => {
    expectTypeOf(Typed).toBeFunction();
  });
});
