/**
 * Server → client requests (`client.emitWithAck`, issue 19) over every transport of the contract
 * suite: the client's `handle` handler answers; coded refusals, no handler, timeout, disconnect
 * and the bound on requests in flight are coded errors to server code.
 */
import { DashwireClientError, type TransportName } from "@dashwire/client/node";
import { type Client as ServerClient, DashwireError } from "@dashwire/server";
import { describe, expect, it } from "vitest";
import { client, server, start } from "./transport-fixture.js";
import { until } from "./until.js";

/** The one connection the server has, once connected. */
async function theClient(): Promise<ServerClient> {
  await until(() => [...server.clients()].length === 1);
  return [...server.clients()][0] as ServerClient;
}

describe.each(["websocket", "sse", "polling"] as const)("emitWithAck: %s", (name) => {
  const forced = { transports: [name] as TransportName[] };

  it("resolves with the client's answer, sync or async; a coded refusal and a missing handler reject", async () => {
    await start();
    const c = client(forced);
    c.handle("double", (n) => (n as number) * 2);
    c.handle("later", async (s) => `${String(s)}!`);
    c.handle("deny", () => {
      throw new DashwireClientError(10042, "not now");
    });
    const events: string[] = [];
    c.on("event", (event) => events.push(event));
    const s = await theClient();
    await until(() => c.state === "connected");
    expect(await s.emitWithAck("double", 21)).toBe(42);
    expect(await s.emitWithAck("later", "hi")).toBe("hi!");
    const denied = s.emitWithAck("deny", null);
    await expect(denied).rejects.toBeInstanceOf(DashwireError);
    await expect(denied).rejects.toMatchObject({ code: 10042, message: "not now" });
    await expect(s.emitWithAck("nobody", null)).rejects.toMatchObject({ code: 1005 });
    // Requests go to `handle` handlers only, not to the plain event listeners.
    expect(events).toEqual([]);
  });

  it("times out with 4002, rejects what is in flight with 4003 on disconnect, and bounds requests in flight", async () => {
    await start({ limits: { pendingAcks: 3 } });
    const c = client(forced);
    c.handle("never", () => new Promise(() => {}));
    const s = await theClient();
    await until(() => c.state === "connected");
    await expect(s.emitWithAck("never", null, { timeoutMs: 100 })).rejects.toMatchObject({ code: 4002 });
    const inFlight = [s.emitWithAck("never", 1), s.emitWithAck("never", 2), s.emitWithAck("never", 3)];
    for (const p of inFlight) p.catch(() => {});
    await expect(s.emitWithAck("never", 4)).rejects.toMatchObject({ code: 3002 });
    s.disconnect(4009, "bye");
    for (const p of inFlight) await expect(p).rejects.toMatchObject({ code: 4003 });
    await expect(s.emitWithAck("never", 5)).rejects.toMatchObject({ code: 4003 });
  });
});
