import { type Client, type ClientState, connect, type DashwireClientError, ErrorCode } from "@dashwire/client/node";
import { jwtAuth } from "@dashwire/server/auth";
import { SignJWT } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "./fuzz/harness.js";
import { until } from "./until.js";

/**
 * Expiring credentials end to end, real server (`jwtAuth`) and real client (issue 12 item 6): a
 * static token that expires stops the client with an error and a terminal state instead of
 * reconnecting with it for ever; `getToken` keeps a session alive across expiries.
 */

const SECRET = "client-auth-test-secret-0123456789abcdef";
const now = () => Math.floor(Date.now() / 1000);

let t: TestServer | undefined;
const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await t?.server.close();
  t = undefined;
});

function token(sub: string, expSec: number): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(sub)
    .setExpirationTime(expSec)
    .sign(new TextEncoder().encode(SECRET));
}

/** A jwtAuth server that counts how often credentials were checked (connects and refreshes). */
async function start(): Promise<{ checks: () => number }> {
  t = await startServer();
  let checks = 0;
  const auth = jwtAuth({ secret: SECRET, clockToleranceSec: 0 });
  t.server.useConnect(async (ctx) => {
    checks++;
    await auth(ctx);
  });
  return { checks: () => checks };
}

function open(options: Parameters<typeof connect>[1]): {
  c: Client;
  states: ClientState[];
  errors: DashwireClientError[];
} {
  const c = connect((t as TestServer).url, { reconnect: { minDelayMs: 10, maxDelayMs: 50 }, ...options });
  clients.push(c);
  const states: ClientState[] = [];
  const errors: DashwireClientError[] = [];
  c.on("state", (s) => states.push(s));
  c.on("error", (e) => errors.push(e));
  return { c, states, errors };
}

describe("expiring credentials", () => {
  it("a static token that expires: TokenExpired error and state disconnected, not a silent loop", async () => {
    const { checks } = await start();
    const { c, states, errors } = open({ token: await token("ann", now() + 2) });
    await until(() => c.state === "connected");
    await until(() => c.state === "disconnected", 5000, "the terminal state after expiry");
    expect(states).toEqual(["connecting", "connected", "disconnected"]);
    expect(errors.map((e) => e.code)).toEqual([ErrorCode.TokenExpired]);
    // The dead token was offered once (the connect), never again.
    expect(checks()).toBe(1);
  });

  it("getToken keeps the session across expiries by refreshing ahead of them", async () => {
    const { checks } = await start();
    const { c, states, errors } = open({ getToken: () => token("bob", now() + 2) });
    await until(() => c.state === "connected");
    // The connect, then two renewals: past the first tokens' expiry.
    await until(() => checks() >= 3, 8000, "two renewals");
    expect(c.state).toBe("connected");
    expect(states).toEqual(["connecting", "connected"]);
    expect(errors).toEqual([]);
    expect([...(t as TestServer).server.clients()]).toHaveLength(1);
  });
});
