import type { StreamPosition } from "@dashwire/protocol";
import { describe, expectTypeOf, it } from "vitest";
import type { Client } from "./client.js";
import { connect } from "./connect.js";
import type { PublicationInfo } from "./subscription.js";

type Schema = {
  events: { add: { data: { a: number; b: number }; reply: number }; ping: { data: undefined; reply: "pong" } };
  topics: { [k: `ticker:${string}`]: { price: number }; chat: { text: string } };
  serverEvents: { notice: { text: string } };
};

// Never connects: a WebSocket stub that stays silent. Only the types are under test here.
class SilentSocket {
  readyState = 0;
  binaryType = "arraybuffer";
  onopen = null;
  onmessage = null;
  onclose = null;
  onerror = null;
  send(): void {}
  close(): void {}
}

describe("end-to-end typing", () => {
  it("types emit, subscribe, publish and onEvent from the schema", () => {
    const client = connect<Schema>("ws://127.0.0.1:1/dashwire", { WebSocket: SilentSocket });
    expectTypeOf(client).toEqualTypeOf<Client<Schema>>();
    const sum = client.emit("add", { a: 1, b: 2 });
    expectTypeOf(sum).toEqualTypeOf<Promise<number>>();
    sum.catch(() => {});
    // @ts-expect-error wrong payload shape
    client.emit("add", { a: 1 }).catch(() => {});
    // @ts-expect-error unknown event
    client.emit("sub", 1).catch(() => {});

    const sub = client.subscribe("ticker:AAPL", (data, pub) => {
      expectTypeOf(data).toEqualTypeOf<{ price: number }>();
      expectTypeOf(pub).toEqualTypeOf<PublicationInfo>();
    });
    sub.unsubscribe();
    client.subscribe("chat", (data) => expectTypeOf(data).toEqualTypeOf<{ text: string }>()).unsubscribe();
    // @ts-expect-error topic not in the schema
    client.subscribe("orders", () => {}).unsubscribe();

    const published = client.publish("ticker:MSFT", { price: 1 });
    published.catch(() => {});
    expectTypeOf(published).toEqualTypeOf<Promise<StreamPosition>>();
    // @ts-expect-error wrong publication payload
    client.publish("chat", { price: 1 }).catch(() => {});
    client.onEvent("notice", (data) => expectTypeOf(data).toEqualTypeOf<{ text: string }>());
    client.handle("notice", (data) => expectTypeOf(data).toEqualTypeOf<{ text: string }>());
    // @ts-expect-error not a server event of the schema
    client.handle("notices", () => 1);
    client.close();
  });

  it("is unknown everywhere without a schema", () => {
    const client = connect("ws://127.0.0.1:1/dashwire", { WebSocket: SilentSocket });
    const reply = client.emit("anything", 1);
    reply.catch(() => {});
    expectTypeOf(reply).toEqualTypeOf<Promise<unknown>>();
    client.subscribe("any:topic", (data) => expectTypeOf(data).toEqualTypeOf<unknown>());
    client.close();
  });
});
