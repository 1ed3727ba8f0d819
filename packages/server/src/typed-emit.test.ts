/**
 * Compile-time checks of the typed server → client events (issue 19): with an app schema, a
 * client's `emit` and `emitWithAck` take only the schema's `serverEvents` with their payloads.
 * The `@ts-expect-error` lines fail `tsc -p tsconfig.test.json` if the check ever stops working.
 */
import { describe, expectTypeOf, it } from "vitest";
import type { Client } from "./client.js";
import { createServer } from "./server.js";

type Schema = {
  events: { hello: { data: { name: string }; reply: string } };
  serverEvents: { notice: { text: string }; tick: number };
};

describe("typed server → client events", () => {
  it("checks emit and emitWithAck against the schema's serverEvents", () => {
    const server = createServer<Schema>({ logLevel: "silent" });
    server.on("hello", (data, ctx) => {
      expectTypeOf(ctx.client).toEqualTypeOf<Client<Schema>>();
      ctx.client.emit("notice", { text: `hi ${data.name}` });
      ctx.client.emit("tick", 1);
      // @ts-expect-error wrong payload for "notice"
      ctx.client.emit("notice", { txt: "typo" });
      // @ts-expect-error not a server event of the schema
      ctx.client.emit("noitce", { text: "x" });
      // @ts-expect-error wrong payload for "tick"
      void ctx.client.emitWithAck("tick", "one");
      return "ok";
    });
    server.events.on("connection", (client) => {
      expectTypeOf(client).toEqualTypeOf<Client<Schema>>();
      // @ts-expect-error not a server event of the schema
      client.emit("other", 1);
    });
    for (const client of server.clients()) client.emit("tick", 2);
  });

  it("takes any event and payload without a schema", () => {
    const server = createServer({ logLevel: "silent" });
    server.events.on("connection", (client) => {
      client.emit("anything", { at: 1 });
      void client.emitWithAck("whatever", [1, 2]);
    });
  });
});
