/**
 * Vitest global setup: makes sure a real Redis and a real NATS (with JetStream) are reachable for
 * the broker tests. Uses the machine's servers on their standard ports when they answer, and
 * otherwise starts private ones on free ports (stopped at teardown). Tests read the URLs from
 * DASHWIRE_TEST_REDIS_URL and DASHWIRE_TEST_NATS_URL.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const started: ChildProcess[] = [];
const dirs: string[] = [];

function canConnect(port: number, host = "127.0.0.1", timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.once("error", reject);
  });
}

async function waitFor(port: number, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start on port ${port}`);
}

function has(bin: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${bin}`]).status === 0;
}

export async function setup(): Promise<void> {
  if (!process.env.DASHWIRE_TEST_REDIS_URL) {
    if (await canConnect(6379)) process.env.DASHWIRE_TEST_REDIS_URL = "redis://127.0.0.1:6379";
    else if (has("redis-server")) {
      const port = await freePort();
      const child = spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        {
          stdio: "ignore",
        },
      );
      started.push(child);
      await waitFor(port, "redis-server");
      process.env.DASHWIRE_TEST_REDIS_URL = `redis://127.0.0.1:${port}`;
    }
  }
  if (!process.env.DASHWIRE_TEST_NATS_URL) {
    if (await canConnect(4222)) process.env.DASHWIRE_TEST_NATS_URL = "nats://127.0.0.1:4222";
    else if (has("nats-server")) {
      const port = await freePort();
      const dir = mkdtempSync(join(tmpdir(), "dashwire-nats-"));
      dirs.push(dir);
      const child = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir], {
        stdio: "ignore",
      });
      started.push(child);
      await waitFor(port, "nats-server");
      process.env.DASHWIRE_TEST_NATS_URL = `nats://127.0.0.1:${port}`;
    }
  }
}

export async function teardown(): Promise<void> {
  for (const child of started) child.kill("SIGTERM");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
