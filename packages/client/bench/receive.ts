/**
 * Micro-benchmark of the client's receive path: batch frames of `msg` decoded and dispatched to
 * a subscription handler, through the real Client with an in-memory WebSocket (no network).
 * Run: npx tsx packages/client/bench/receive.ts [messagesPerFrame] [frames]
 */
import { connect } from "../src/connect.js";
import type { WebSocketLike } from "../src/transport.js";

const perFrame = Number(process.argv[2] ?? 100);
const frames = Number(process.argv[3] ?? 5000);

let socket: MemorySocket | undefined;
class MemorySocket implements WebSocketLike {
  readyState = 1;
  binaryType = "arraybuffer";
  onopen: ((event: never) => void) | null = null;
  onmessage: ((event: never) => void) | null = null;
  onclose: ((event: never) => void) | null = null;
  onerror: ((event: never) => void) | null = null;
  sent: string[] = [];
  constructor() {
    socket = this;
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {}
  deliver(data: string): void {
    (this.onmessage as unknown as (e: { data: string }) => void)({ data });
  }
}

const client = connect("ws://bench/dashwire", { WebSocket: MemorySocket });
let received = 0;
client.subscribe("ticker:bench", () => {
  received++;
});
await new Promise((r) => setTimeout(r, 0));
const ws = socket as MemorySocket;
(ws.onopen as unknown as () => void)();
await new Promise((r) => setTimeout(r, 0));
const subId = (JSON.parse(ws.sent[0] as string) as { id?: number }[])[1]?.id;
ws.deliver(
  JSON.stringify([
    { t: "connected", v: 1, session: "s", ping: 1e9, pong: 1e9, limits: {} },
    { t: "ack", id: subId, data: { epoch: "E", offset: 0, recovered: false } },
  ]),
);

// Pre-encoded frames: the benchmark measures the client's decode + dispatch, not JSON.stringify.
const payload = { price: 123.45, volume: 1000, ts: 1763900000000 };
const encoded: string[] = [];
let offset = 0;
for (let f = 0; f < frames; f++) {
  const parts: string[] = [];
  for (let i = 0; i < perFrame; i++)
    parts.push(JSON.stringify({ t: "msg", c: "ticker:bench", e: "E", o: ++offset, d: payload }));
  encoded.push(`[${parts.join(",")}]`);
}
const start = performance.now();
for (const frame of encoded) ws.deliver(frame);
const ms = performance.now() - start;
client.close();
const total = frames * perFrame;
if (received !== total) throw new Error(`delivered ${received} of ${total}`);
console.log(
  JSON.stringify({
    node: process.version,
    perFrame,
    frames,
    messages: total,
    ms: Math.round(ms),
    msgsPerSec: Math.round(total / (ms / 1000)),
  }),
);
