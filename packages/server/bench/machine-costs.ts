/**
 * What this machine charges any Node server for the two costs the seed-100 and fanout scenarios
 * cannot avoid, measured with no framework at all (bare `net` sockets, one prebuilt frame):
 *
 * - a write: one small frame to one of many loopback sockets whose reader is another process on
 *   the other core (seed-100 makes 10,000 a second; fanout 10,000 per publication);
 * - a wake-up: one small message read after the process slept (seed-100: 100 a second).
 *
 *   npx tsx packages/server/bench/machine-costs.ts [sockets=10000] [rounds=20]
 *
 * This process pins itself to CPU 0 and its reader to CPU 1, as the harness does. On loopback a
 * write also pays for the receiving side's TCP work and, when the reader sleeps, for waking it on
 * the other core; this reader does nothing with what it reads, so it sleeps a lot and the figure
 * is on the high side of what a busier reader (the harness's load generator) costs. Read the
 * output as magnitudes: what one publication to 10,000 sockets takes to leave (the fanout p99
 * cannot be much lower), and what 100 wake-ups plus 10,000 writes a second cost (seed-100).
 */
import { execFileSync, spawn } from "node:child_process";
import { connect, createServer, type Socket } from "node:net";
import { fileURLToPath } from "node:url";

const [sockets = 10_000, rounds = 20] = process.argv.slice(2).map(Number);
/** A dashwire publication frame of the bench's size, already framed. */
const FRAME = Buffer.concat([Buffer.from([0x81, 120]), Buffer.alloc(120, 0x61)]);
const WAKE_PERIOD_MS = 10;
const WAKE_SECONDS = 5;
const WAKE_BYTES = 120;

if (process.env.COSTS_ROLE === "reader") await read(Number(process.env.PORT));
else await serve();

async function serve(): Promise<void> {
  execFileSync("taskset", ["-cp", "0", String(process.pid)], { stdio: "ignore" });
  const conns: Socket[] = [];
  let waker: Socket | undefined;
  let wakes = 0;
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    if (conns.length < sockets) conns.push(socket);
    else {
      waker = socket;
      socket.on("data", (chunk: Buffer) => {
        wakes += chunk.length / WAKE_BYTES;
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  const child = spawn("taskset", ["-c", "1", process.execPath, "--import", "tsx", fileURLToPath(import.meta.url)], {
    env: { ...process.env, COSTS_ROLE: "reader", PORT: String(address.port), SOCKETS: String(sockets) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  await new Promise<void>((resolve) => child.once("message", () => resolve()));
  while (conns.length < sockets || waker === undefined) await sleep(10);

  // Wake-ups first, while the process is quiet (the write rounds leave garbage to collect).
  await sleep(1000);
  const idle0 = process.cpuUsage();
  await sleep(2000);
  const idle = process.cpuUsage(idle0);
  const idleUsPerMs = (idle.user + idle.system) / 2000;
  child.send("wake");
  await sleep(300);
  const w0 = process.cpuUsage();
  const t0 = performance.now();
  const wakes0 = wakes;
  await sleep(WAKE_SECONDS * 1000);
  const w = process.cpuUsage(w0);
  const wakeUs = (w.user + w.system - idleUsPerMs * (performance.now() - t0)) / Math.max(1, wakes - wakes0);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < rounds; r++) {
    await sleep(200);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (const socket of conns) socket.write(FRAME);
    wall.push(((performance.now() - t0) * 1000) / sockets);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / sockets);
  }

  child.kill();
  server.close();
  for (const socket of conns) socket.destroy();
  waker?.destroy();

  const writeUs = median(cpu);
  const seedCost = (100 * wakeUs + 10_000 * writeUs) / 1e4;
  console.log(
    `write:   ${sockets} sockets x ${rounds} rounds: ${median(wall).toFixed(1)} us wall, ${writeUs.toFixed(1)} us CPU per write (median)\n` +
      `wake-up: ${Math.round(wakes - wakes0)} messages at ${1000 / WAKE_PERIOD_MS}/s: ${wakeUs.toFixed(0)} us CPU each (idle ${(idleUsPerMs / 10).toFixed(2)} %)\n` +
      `so:      100 wake-ups + 10,000 writes a second (seed-100) cost ${seedCost.toFixed(1)} % of a core; ` +
      `one publication to 10,000 sockets (fanout) takes ${((median(wall) * 10_000) / 1000).toFixed(0)} ms to leave`,
  );
}

/** The other side: many sockets read and dropped, plus one that sends a message every 10 ms. */
async function read(port: number): Promise<void> {
  const n = Number(process.env.SOCKETS);
  const buffer = Buffer.allocUnsafe(64 * 1024);
  const discard = { buffer, callback: () => true };
  const open: Socket[] = [];
  for (let i = 0; i < n; i++) {
    const socket = connect({ host: "127.0.0.1", port, onread: discard });
    await new Promise((resolve) => socket.once("connect", resolve));
    open.push(socket);
  }
  const waker = connect({ host: "127.0.0.1", port });
  await new Promise((resolve) => waker.once("connect", resolve));
  waker.setNoDelay(true);
  process.send?.("ready");
  process.once("message", () => {
    const message = Buffer.alloc(WAKE_BYTES, 0x62);
    const timer = setInterval(() => waker.write(message), WAKE_PERIOD_MS);
    setTimeout(() => clearInterval(timer), (WAKE_SECONDS + 1) * 1000);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
