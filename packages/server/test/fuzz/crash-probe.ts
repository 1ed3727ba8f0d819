/**
 * Sends one known-dangerous input to a fresh server in this process and reports whether the
 * process survived it. Run as a child by security-gaps.test.ts (a crash must not take the test
 * runner down with it):
 *
 *   TSX_TSCONFIG_PATH=tsconfig.test.json node --import tsx crash-probe.ts <case>
 *
 * Prints "survived" and exits 0 when the server still answers a WebSocket echo and /healthz
 * afterwards; an uncaught exception exits non-zero, as it would in production.
 */
import net from "node:net";
import { RawClient } from "../raw-client.js";
import { startFuzzServer } from "./wire-target.js";

const DEPTH = 20_000;
const deep = "[".repeat(DEPTH) + "]".repeat(DEPTH);

/** The cases: each sends its input to the server on `port`. */
const CASES: Record<string, (url: string, port: number) => Promise<void>> = {
  /** Control: proves the probe reports survival, so the crash cases cannot fail vacuously. */
  harmless: async (url) => {
    const c = await RawClient.connect(url);
    c.send(`{"t":"evt","event":"echo","id":1,"data":[[[["shallow"]]]]}`);
  },
  "deep-type": async (url) => {
    const c = await RawClient.open(url);
    c.send(`{"t":${deep}}`);
  },
  "deep-publish": async (url) => {
    const c = await RawClient.connect(url);
    c.send(`{"t":"pub","topic":"fuzz:a","data":${deep}}`);
  },
  "deep-echo": async (url) => {
    const c = await RawClient.connect(url);
    c.send(`{"t":"evt","event":"echo","id":1,"data":${deep}}`);
  },
  /** A JWT whose header `alg` quotes to 123+ bytes with a multi-byte character across byte 123. */
  "jwt-alg-header": async (url) => {
    const header = Buffer.from(JSON.stringify({ alg: `${"\u0001".repeat(17)}€€€` })).toString("base64url");
    const c = await RawClient.open(url);
    c.send({ t: "connect", v: 1, token: `${header}.e30.c2ln` });
  },
  /** Connect middleware refusing with 62 two-byte characters: 124 bytes as the close reason. */
  "reject-multibyte": async (url) => {
    const c = await RawClient.open(url);
    c.send({ t: "connect", v: 1, data: { reject: "é".repeat(62) } });
  },
  "upgrade-bad-target": async (_url, port) => {
    const s = net.connect(port, "127.0.0.1");
    s.on("error", () => {});
    s.write(
      "GET // HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
  },
};

const name = process.argv[2] ?? "";
const run = CASES[name];
if (run === undefined) {
  console.error(`unknown case ${name}; cases: ${Object.keys(CASES).join(", ")}`);
  process.exit(2);
}
const t = await startFuzzServer({ limits: { frameBytes: 1024 * 1024 } });
await run(t.url, t.port);
await new Promise((r) => setTimeout(r, 300));
const probe = await RawClient.connect(t.url);
const reply = await probe.request({ t: "evt", event: "echo", data: "alive" }, 1);
const health = await fetch(`${t.http}/healthz`);
if (reply.data !== "alive" || health.status !== 200) {
  console.log("degraded");
  process.exit(3);
}
console.log("survived");
process.exit(0);
