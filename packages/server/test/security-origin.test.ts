import { CloseCode } from "@dashwire/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { metric, startServer, type TestServer } from "./fuzz/harness.js";
import { RawClient } from "./raw-client.js";

let t: TestServer;
const clients: RawClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await t?.server.close();
});

/** Opens with an Origin header (none when undefined) and tries the handshake. */
async function from(origin: string | undefined): Promise<RawClient> {
  const c = await RawClient.open(t.url, origin === undefined ? {} : { origin });
  clients.push(c);
  c.send({ t: "connect", v: 1 });
  return c;
}

async function accepted(origin: string | undefined): Promise<void> {
  const c = await from(origin);
  await c.next((m) => m.t === "connected");
}

async function refused(origin: string): Promise<void> {
  const c = await from(origin);
  expect(await c.closed()).toBe(CloseCode.ForbiddenOrigin);
  expect(c.messages.some((m) => m.t === "connected")).toBe(false);
}

describe("Origin allow-list", () => {
  it("by default lets in the same origin and non-browser clients, and refuses other sites with 4501", async () => {
    t = await startServer();
    await accepted(`http://127.0.0.1:${t.port}`);
    await accepted(undefined);
    await refused("https://evil.example");
    await refused(`http://127.0.0.1:${t.port + 1}`);
    await refused("null");
    await refused("not a url");
    expect(await metric(t.http, 'dashwire_limit_hits_total{limit="origin"}')).toBe(4);
    // Refused before a session exists: the others keep working.
    await accepted(`http://127.0.0.1:${t.port}`);
  });

  it("with an allow-list, lets in exactly the listed origins", async () => {
    t = await startServer({ allowedOrigins: ["https://app.example", "https://ops.example:8443"] });
    await accepted("https://app.example");
    await accepted("https://ops.example:8443");
    await refused("https://ops.example");
    await refused("https://app.example.evil.example");
    await refused("http://app.example");
    await accepted(undefined);
  });

  it('"*" lets any origin in', async () => {
    t = await startServer({ allowedOrigins: ["*"] });
    await accepted("https://anything.example");
  });
});
