/**
 * A small measurement of each transport end to end on loopback: the real server and the real
 * client in one process (so it measures both together, one core's worth), forced to one transport.
 * - down: publications/s from `server.publish` to the subscriber's handler (batches of 100 per turn);
 * - rtt: median round trip of one `emit` at a time;
 * - up: acknowledged `emit`s/s with 200 in flight.
 * Run: npx tsx packages/client/bench/transports.ts [publications]
 */
import { createServer } from "../../server/src/index.js";
import { connect } from "../src/node.js";
import type { TransportName } from "../src/transport.js";

const publications = Number(process.argv[2] ?? 20_000);

async function measure(name: TransportName): Promise<string> {
  const server = createServer({ logLevel: "silent", limits: { messagesPerSecond: 0 } });
  server.topic("bench", { history: { size: 100 } });
  server.on("echo", (n: number) => n);
  const { port } = await server.listen(0, "127.0.0.1");
  const client = connect(`ws://127.0.0.1:${port}/dashwire`, { transports: [name] });
  let received = 0;
  let done: () => void = () => {};
  const all = new Promise<void>((r) => {
    done = r;
  });
  await client.subscribe("bench", () => {
    if (++received === publications) done();
  }).ready;
  const payload = { v: 42.5, host: "web-1", t: 0 };
  const t0 = performance.now();
  for (let i = 0; i < publications; i += 100) {
    for (let j = 0; j < 100; j++) void server.publish("bench", payload);
    await new Promise((r) => setImmediate(r));
  }
  await all;
  const down = publications / ((performance.now() - t0) / 1000);

  const rtts: number[] = [];
  for (let i = 0; i < 200; i++) {
    const s = performance.now();
    await client.emit("echo", i);
    rtts.push(performance.now() - s);
  }
  rtts.sort((a, b) => a - b);

  const total = 10_000;
  const t1 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < total) await client.emit("echo", next++);
  };
  await Promise.all(Array.from({ length: 200 }, worker));
  const up = total / ((performance.now() - t1) / 1000);
  client.close();
  await server.close();
  const f = (n: number) => Math.round(n).toLocaleString("en-US");
  return `${name.padEnd(9)}  down ${f(down).padStart(7)} msg/s   rtt p50 ${(rtts[100] ?? 0).toFixed(2)} ms   up ${f(up).padStart(6)} acks/s`;
}

console.log(`node ${process.version}, ${publications} publications per transport`);
for (const name of ["websocket", "sse", "polling"] as const) console.log(await measure(name));
