/**
 * The Host allow-list (DNS-rebinding defense) on every way in: the WebSocket upgrade, the SSE and
 * long-polling transports, `/healthz` and `/metrics`. A rebinding page reaches the server at a
 * loopback address under the attacker's name, so requests are sent here with a foreign `Host`.
 */
import http from "node:http";
import { networkInterfaces } from "node:os";
import { CloseCode } from "@dashwire/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { createServer, type DashwireServer, type ServerOptionsInput } from "../src/index.js";
import { metric } from "./fuzz/harness.js";
import { RawClient } from "./raw-client.js";

let server: DashwireServer | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = undefined;
});

async function start(options: ServerOptionsInput = {}, host = "127.0.0.1"): Promise<number> {
  server = createServer({ logLevel: "silent", ...options });
  return (await server.listen(0, host)).port;
}

/** An HTTP request to `address` with the given Host header (what fetch will not let us set). */
function request(
  address: string,
  port: number,
  method: string,
  path: string,
  host: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: address, port, method, path, headers: { host } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
        // An SSE stream that was let in never ends: its first event is enough.
        if (res.headers["content-type"]?.startsWith("text/event-stream")) req.destroy();
      });
      const done = () => resolve({ status: res.statusCode ?? 0, body });
      res.on("end", done);
      res.on("close", done);
    });
    req.on("error", reject);
    req.end();
  });
}

/** Opens a WebSocket with `host` and tries the handshake; resolves with the close code or "connected". */
async function socket(address: string, port: number, host: string): Promise<number | "connected"> {
  const c = await RawClient.open(`ws://${address}:${port}/dashwire`, { host });
  clients.push(c);
  c.send({ t: "connect", v: 1 });
  const closed = c.closed();
  const connected = c.next((m) => m.t === "connected", 5000).then(() => "connected" as const);
  return Promise.race([closed, connected.catch(() => closed)]);
}

/** Every way in with a foreign Host: each is refused with 4505 / 403. */
async function expectRefused(address: string, port: number, host: string): Promise<void> {
  expect(await socket(address, port, host)).toBe(CloseCode.ForbiddenHost);
  for (const [method, path] of [
    ["GET", "/dashwire/sse"],
    ["POST", "/dashwire/poll"],
    ["GET", "/healthz"],
    ["GET", "/metrics"],
  ] as const) {
    const res = await request(address, port, method, path, host);
    expect(res.status, `${method} ${path}`).toBe(403);
    expect(JSON.parse(res.body), `${method} ${path}`).toEqual({
      error: { code: CloseCode.ForbiddenHost, message: "host not allowed" },
    });
  }
}

async function expectAdmitted(address: string, port: number, host: string): Promise<void> {
  expect(await socket(address, port, host)).toBe("connected");
  expect((await request(address, port, "GET", "/healthz", host)).status).toBe(200);
  expect((await request(address, port, "GET", "/dashwire/sse", host)).body).toMatch(/event: tid/);
  expect((await request(address, port, "POST", "/dashwire/poll", host)).status).toBe(200);
}

describe("Host allow-list", () => {
  it("by default refuses a rebinding name on a loopback listener, and lets IPs and localhost in", async () => {
    const port = await start();
    await expectRefused("127.0.0.1", port, `rebind.evil.example:${port}`);
    await expectAdmitted("127.0.0.1", port, `127.0.0.1:${port}`);
    await expectAdmitted("127.0.0.1", port, `localhost:${port}`);
    expect(await metric(`http://127.0.0.1:${port}`, 'dashwire_limit_hits_total{limit="host"}')).toBe(5);
  });

  it("with a list, lets in exactly those names (and IPs, localhost)", async () => {
    const port = await start({ allowedHosts: ["dash.example.com"] });
    await expectAdmitted("127.0.0.1", port, `dash.example.com:${port}`);
    await expectRefused("127.0.0.1", port, "other.example.com");
    await expectAdmitted("127.0.0.1", port, `localhost:${port}`);
  });

  it('"*" lets any name in', async () => {
    const port = await start({ allowedHosts: ["*"] });
    await expectAdmitted("127.0.0.1", port, "anything.example");
  });

  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i?.family === "IPv4" && !i.internal)?.address;
  it.skipIf(external === undefined)(
    "by default lets names in on a non-loopback address, where a proxy or the public reaches it",
    async () => {
      const port = await start({}, "0.0.0.0");
      await expectAdmitted(external as string, port, "dash.example.com");
      // The same server on its loopback address: rebinding's target, refused.
      await expectRefused("127.0.0.1", port, "dash.example.com");
    },
  );
});
