/**
 * Vitest global setup: makes sure a real Redis, a real NATS (with JetStream) and a real
 * PostgreSQL are reachable for the broker and store tests. Uses the machine's servers on their
 * standard ports when they answer, and otherwise starts private ones on free ports (stopped at
 * teardown). Tests read the URLs from DASHWIRE_TEST_REDIS_URL, DASHWIRE_TEST_NATS_URL and
 * DASHWIRE_TEST_PG_URL (each test then works in a schema of its own).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const started: ChildProcess[] = [];
const dirs: string[] = [];

/** Whether a TCP connection to `host:port` opens within `timeoutMs`. */
export function canConnect(port: number, host = "127.0.0.1", timeoutMs = 500): Promise<boolean> {
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

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
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
  if (!process.env.DASHWIRE_TEST_PG_URL) {
    if (await canConnect(5432)) process.env.DASHWIRE_TEST_PG_URL = "postgres://postgres@127.0.0.1:5432/test";
    else {
      const url = await startPrivatePg();
      if (url !== undefined) process.env.DASHWIRE_TEST_PG_URL = url;
    }
  }
}

/** The directory of Debian's PostgreSQL programs (initdb, pg_ctl are not on PATH there). */
function pgBinDir(): string | undefined {
  const found = spawnSync("sh", ["-c", "ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1"], {
    encoding: "utf8",
  }).stdout.trim();
  if (found !== "") return found;
  return has("initdb") ? "" : undefined;
}

/** Starts a private PostgreSQL in a temp dir (as the `postgres` user when root: initdb refuses root). */
export async function startPrivatePg(): Promise<string | undefined> {
  const bin = pgBinDir();
  if (bin === undefined) return undefined;
  const exe = (name: string) => (bin === "" ? name : join(bin, name));
  const dir = mkdtempSync(join(tmpdir(), "dashwire-pg-"));
  dirs.push(dir);
  const root = process.getuid?.() === 0;
  if (root) chmodSync(dir, 0o777);
  const as = (args: string[]) => (root ? ["runuser", "-u", "postgres", "--", ...args] : args);
  const data = join(dir, "data");
  const init = as([exe("initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  if (spawnSync(init[0] as string, init.slice(1), { stdio: "ignore" }).status !== 0) return undefined;
  const port = await freePort();
  const run = as([
    exe("postgres"),
    "-D",
    data,
    "-p",
    String(port),
    "-k",
    dir,
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "fsync=off",
  ]);
  const child = spawn(run[0] as string, run.slice(1), { stdio: "ignore" });
  started.push(child);
  await waitFor(port, "postgres");
  // The database the tests use, as on the shared server.
  const create = as([exe("createdb"), "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "test"]);
  for (let i = 0; i < 50; i++) {
    if (spawnSync(create[0] as string, create.slice(1), { stdio: "ignore" }).status === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return `postgres://postgres@127.0.0.1:${port}/test`;
}

export async function teardown(): Promise<void> {
  for (const child of started) child.kill("SIGTERM");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
