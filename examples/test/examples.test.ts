import { connect } from "@dashwire/client/node";
import { afterEach, describe, expect, it } from "vitest";
import { startChat } from "../src/chat/server.js";
import { startTicker } from "../src/ticker/server.js";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = () => (check() ? resolve() : Date.now() > end ? reject(new Error("timed out")) : setTimeout(poll, 10));
    poll();
  });
}

describe("examples", () => {
  it("ticker: serves its page and pushes prices for every symbol", async () => {
    const { port, close } = await startTicker(0, 20);
    stops.push(close);
    const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    expect(page).toContain("importmap");
    expect((await fetch(`http://127.0.0.1:${port}/lib/client/index.js`)).status).toBe(200);
    const client = connect(`ws://127.0.0.1:${port}/dashwire`);
    stops.push(async () => client.close());
    const symbols = new Set<string>();
    client.subscribe("ticker", (d) => symbols.add((d as { symbol: string }).symbol), { mode: "latest", maxRate: 20 });
    await until(() => symbols.size === 4);
    expect([...symbols].sort()).toEqual(["ACME", "GLOBEX", "INITECH", "UMBRELLA"]);
  });

  it("chat: clients publish, everyone sees, presence counts them, nameless clients are refused", async () => {
    const { port, close } = await startChat(0);
    stops.push(close);
    const url = `ws://127.0.0.1:${port}/dashwire`;
    const ann = connect(url, { data: { name: "ann" } });
    const bob = connect(url, { data: { name: "bob" } });
    stops.push(
      async () => ann.close(),
      async () => bob.close(),
    );
    const seen: string[] = [];
    await ann.subscribe("chat:lobby", (m) => seen.push((m as { text: string }).text), { presence: true }).ready;
    await bob.subscribe("chat:lobby", () => {}).ready;
    await bob.publish("chat:lobby", { from: "bob", text: "hello ann" });
    await until(() => seen.length === 1);
    expect(seen).toEqual(["hello ann"]);
    expect((await ann.presence("chat:lobby")).count).toBe(2);
    const anon = connect(url, { reconnect: false });
    stops.push(async () => anon.close());
    await until(() => anon.state === "disconnected");
  });
});
