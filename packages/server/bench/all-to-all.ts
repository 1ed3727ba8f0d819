/**
 * Micro-benchmark of the fan-out hot path: N raw WebSocket clients in one room, each publishing
 * `rate` messages per second; every publication goes to every client (N × N × rate deliveries/s).
 * Runs the server in this process and the clients in a child process on another core:
 *
 *   npx tsx packages/server/bench/all-to-all.ts [clients=1000] [seconds=10] [rate=1]
 *
 * Prints deliveries/s seen by the clients and the server's CPU %. The full harness with peers,
 * latency percentiles and reports lives in bench/.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createServer } from "../src/index.js";

const [clients = 1000, seconds = 10, rate = 1] = process.argv.slice(2).map(Number);

if (process.env.ALL_TO_ALL_ROLE === "load") await load(Number(process.env.PORT));
else await serve();

async function serve(): Promise<void> {
  const server = createServer({ logLevel: "warn", limits: { connectionsPerIp: 0 } });
  server.topic("room", { clientPublish: true, history: { size: 0 }, latest: { maxKeys: 0 } });
  const { port } = await server.listen(0, "127.0.0.1");
  const child = spawn(
    "taskset",
    [
      "-c",
      "1",
      process.execPath,
      "--import",
      "tsx",
      fileURLToPath(import.meta.url),
      String(clients),
      String(seconds),
      String(rate),
    ],
    {
      env: { ...process.env, ALL_TO_ALL_ROLE: "load", PORT: String(port) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    },
  );
  let cpuStart = process.cpuUsage();
  let t0 = performance.now();
  child.on("message", (m: string) => {
    if (m === "measure") {
      cpuStart = process.cpuUsage();
      t0 = performance.now();
    }
  });
  await new Promise((resolve) => child.on("exit", resolve));
  const cpu = process.cpuUsage(cpuStart);
  const wall = performance.now() - t0;
  const s = server.stats;
  console.log(
    `server: cpu ${(((cpu.user + cpu.system) / 1000 / wall) * 100).toFixed(1)}%  frames out ${s.framesOut}  messages out ${s.messagesOut}  rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`,
  );
  await server.close();
}

async function load(port: number): Promise<void> {
  const { WebSocket } = await import("ws");
  const sockets: InstanceType<typeof WebSocket>[] = [];
  let received = 0;
  let frames = 0;
  const needle = '"t":"msg"';
  for (let i = 0; i < clients; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/dashwire`, { perMessageDeflate: false });
    ws.on("message", (data: Buffer) => {
      frames++;
      // Count messages without parsing: the load generator must stay cheaper than the server.
      const text = data.toString("latin1");
      let at = text.indexOf(needle);
      while (at >= 0) {
        received++;
        at = text.indexOf(needle, at + 9);
      }
    });
    await new Promise((r) => ws.once("open", r));
    ws.send(
      JSON.stringify([
        { t: "connect", v: 1 },
        { t: "sub", topic: "room" },
      ]),
    );
    sockets.push(ws);
  }
  await new Promise((r) => setTimeout(r, 1000));
  const period = 1000 / rate;
  const timers = sockets.map((ws, i) =>
    setTimeout(
      () => {
        const tick = () => ws.send(`{"t":"pub","topic":"room","data":{"from":${i},"ts":${Date.now()}}}`);
        tick();
        return setInterval(tick, period);
      },
      (i / sockets.length) * period,
    ),
  );
  await new Promise((r) => setTimeout(r, 2000));
  received = 0;
  frames = 0;
  process.send?.("measure");
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const expected = clients * clients * rate;
  console.log(
    `load: ${clients} clients, expected ${expected}/s, delivered ${(received / wall).toFixed(0)}/s (${((received / wall / expected) * 100).toFixed(1)}%), frames ${(frames / wall).toFixed(0)}/s, load cpu ${(((cpu.user + cpu.system) / 1e6 / wall) * 100).toFixed(0)}%`,
  );
  for (const t of timers) clearTimeout(t);
  process.exit(0);
}
