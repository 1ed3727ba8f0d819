/**
 * The server of the `abuse` scenario as a process: `node abuse-server.js <port> [host]`. A plain
 * dashwire server with the limits an internet-facing deployment would set (64 connections and
 * 50 new connections per second per address), an `echo` event and a `flood:*` topic clients may
 * publish to.
 *
 * The well-behaved client lives in this process too, connected over loopback like any other:
 * its round trips then measure the server (event-loop delay, processing), not the cross-core
 * wake-ups of this virtual machine, which alone give a raw `ws` echo between two processes a p99
 * of 5-30 ms here. Each `measure <ms>` line on stdin runs an echo every 5 ms for that long and
 * prints one JSON line: the round trips in ms. Prints "listening" when ready; exits on SIGTERM.
 */
import { createInterface } from "node:readline";
import { createServer } from "@dashwire/server";
import { WebSocket } from "ws";

const port = Number(process.argv[2] ?? 0);
const host = process.argv[3] ?? "127.0.0.1";
const app = createServer({ logLevel: "silent", limits: { connectionsPerIp: 64, connectionsPerIpPerSecond: 50 } });
app.topic("flood:*", { clientPublish: true });
app.on("echo", (data: unknown) => data);
const bound = await app.listen(port, host);
let stopping = false;

/** A dashwire client that only sends `echo` events and waits for each ack. */
class EchoClient {
  private readonly waiting = new Map<number, () => void>();
  private nextId = 1;

  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const parsed = JSON.parse(data.toString()) as unknown;
      for (const m of (Array.isArray(parsed) ? parsed : [parsed]) as { t: string; id?: number }[])
        if (m.t === "ack" && m.id !== undefined) this.waiting.get(m.id)?.();
    });
    ws.on("close", (code) => {
      if (stopping) return;
      console.error(`abuse server: the well-behaved client was disconnected (${code})`);
      process.exit(3);
    });
  }

  static open(url: string): Promise<EchoClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once("error", reject);
      ws.once("open", () => ws.send(JSON.stringify({ t: "connect", v: 1 })));
      ws.once("message", () => resolve(new EchoClient(ws)));
    });
  }

  /** One round trip, in ms. */
  echo(): Promise<number> {
    const id = this.nextId++;
    const start = performance.now();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`echo ${id} unanswered after 10 s`)), 10_000);
      this.waiting.set(id, () => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(performance.now() - start);
      });
      this.ws.send(JSON.stringify({ t: "evt", event: "echo", data: id, id }));
    });
  }

  /** Round trips over `ms`, one every 5 ms. */
  async measure(ms: number): Promise<number[]> {
    const samples: number[] = [];
    for (const end = performance.now() + ms; performance.now() < end; ) {
      samples.push(await this.echo());
      await new Promise((r) => setTimeout(r, 5));
    }
    return samples;
  }
}

const client = await EchoClient.open(`ws://${bound.host}:${bound.port}/dashwire`);
await client.measure(1000); // warm-up: JIT and buffers
createInterface({ input: process.stdin }).on("line", (line) => {
  const [command, ms] = line.trim().split(" ");
  if (command !== "measure") return;
  client.measure(Number(ms)).then(
    (samples) => console.log(JSON.stringify({ samples })),
    (err: unknown) => console.log(JSON.stringify({ error: String(err) })),
  );
});
console.log(`abuse server listening on ${bound.host}:${bound.port}`);

const shutdown = () => {
  stopping = true;
  app.close().finally(() => process.exit(0));
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
