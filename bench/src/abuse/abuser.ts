/**
 * A misbehaving client for the `abuse` scenario and the server's abuse test, run as its own
 * process (so its CPU and memory are not the server's, as for a real attacker on another machine):
 *
 *   node abuser.js <flood|connections|bigframe> <ws-url> <local-address> <max-ms>
 *
 * Prints "ready" once it starts abusing, "limited" the first time the server's limit for its kind
 * of abuse answers it (close 4003, HTTP 429, close 1009), and one JSON line of counts when it stops
 * (SIGTERM or after max-ms), with `ms`: how long it abused.
 * - flood: publishes in 1000-message frames as fast as the socket drains; reconnects when closed.
 * - connections: opens WebSocket connections in a loop (16 at a time), handshakes, closes.
 * - bigframe: over raw TCP, upgrades and announces a 100 MB frame, then streams it until the
 *   server cuts it off; repeats.
 */
import { randomBytes } from "node:crypto";
import net from "node:net";
import { WebSocket } from "ws";

const [mode, url = "", localAddress = "127.0.0.2", maxMs = "10000"] = process.argv.slice(2);
const counts: Record<string, number> = {};
/** The count that shows the server's limit answered this kind of abuse. */
const LIMITED: Record<string, string> = { flood: "close4003", connections: "http429", bigframe: "close1009" };
const count = (k: string, n = 1) => {
  counts[k] = (counts[k] ?? 0) + n;
  if (k === LIMITED[mode as string] && counts[k] === n) process.stdout.write("limited\n");
};
let stopping = false;

/** When the abuse started (its duration is reported as `ms`). */
const started = Date.now();

function stop(): void {
  if (stopping) return;
  stopping = true;
  counts.ms = Date.now() - started;
  process.stdout.write(`${JSON.stringify(counts)}\n`);
  setTimeout(() => process.exit(0), 50);
}
process.on("SIGTERM", stop);
setTimeout(stop, Number(maxMs)).unref();

function flood(): void {
  const batch = JSON.stringify(
    Array.from({ length: 1000 }, (_, i) => ({ t: "pub", topic: "flood:x", data: { i, v: Math.random() } })),
  );
  const open = () => {
    if (stopping) return;
    const ws = new WebSocket(url, { localAddress });
    count("connections");
    const pump = () => {
      if (stopping || ws.readyState !== WebSocket.OPEN) return;
      while (ws.bufferedAmount < 1024 * 1024) {
        ws.send(batch);
        count("messagesSent", 1000);
      }
      setImmediate(pump);
    };
    ws.on("open", () => ws.send(JSON.stringify({ t: "connect", v: 1 })));
    ws.on("message", (d) => {
      const text = d.toString();
      if (text.includes('"t":"connected"')) pump();
      if (text.includes('"code":3000')) count("rateLimitedFrames");
    });
    ws.on("close", (code) => {
      count(`close${code}`);
      setTimeout(open, 10);
    });
    ws.on("error", () => count("errors"));
  };
  open();
}

function connections(): void {
  const loop = () => {
    if (stopping) return;
    const ws = new WebSocket(url, { localAddress });
    count("opened");
    ws.on("open", () => ws.send(JSON.stringify({ t: "connect", v: 1 })));
    ws.on("message", (d) => {
      if (d.toString().includes('"t":"connected"')) {
        count("handshakes");
        ws.close();
      }
    });
    ws.on("unexpected-response", (req, res) => {
      // Refused before the handshake (429 past the per-address connection rate); with this
      // listener ws leaves the request to us and emits no 'close': go round again here.
      count(`http${res.statusCode}`);
      req.destroy();
      setImmediate(loop);
    });
    ws.on("close", (code) => {
      count(`close${code}`);
      setImmediate(loop);
    });
    ws.on("error", () => count("errors"));
  };
  for (let i = 0; i < 16; i++) loop();
}

const HUNDRED_MB = 100 * 1024 * 1024;

function bigframe(): void {
  const { hostname, port, pathname } = new URL(url);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const once = () => {
    if (stopping) return;
    count("attempts");
    const socket = net.connect({ host: hostname, port: Number(port), localAddress });
    let upgraded = false;
    let written = 0;
    let answer = Buffer.alloc(0);
    const pump = () => {
      while (written < HUNDRED_MB && !socket.destroyed) {
        written += chunk.length;
        if (!socket.write(chunk)) return; // wait for 'drain'
      }
    };
    socket.on("data", (d: Buffer) => {
      answer = Buffer.concat([answer, d]);
      if (upgraded) return;
      const end = answer.indexOf("\r\n\r\n");
      if (end < 0) return;
      upgraded = answer.subarray(0, 12).toString() === "HTTP/1.1 101";
      answer = answer.subarray(end + 4);
      if (!upgraded) return socket.destroy();
      // FIN + text frame, masked, 64-bit length: 100 MB announced (RFC 6455 §5.2).
      const header = Buffer.alloc(14);
      header[0] = 0x81;
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(HUNDRED_MB), 2);
      randomBytes(4).copy(header, 10);
      socket.write(header);
      pump();
    });
    socket.on("drain", pump);
    socket.on("error", () => {});
    socket.on("close", () => {
      count("bytesWritten", written);
      // The server's close frame: 0x88, length, 2-byte code.
      const at = answer.indexOf(0x88);
      if (at >= 0 && answer.length >= at + 4) count(`close${answer.readUInt16BE(at + 2)}`);
      else count("closeNoFrame");
      setTimeout(once, 20);
    });
    socket.write(
      `GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  };
  once();
}

if (mode === "flood") flood();
else if (mode === "connections") connections();
else if (mode === "bigframe") bigframe();
else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
process.stdout.write("ready\n");
