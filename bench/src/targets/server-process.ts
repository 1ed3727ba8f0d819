import { type ChildProcess, spawn } from "node:child_process";
import { connect, createServer } from "node:net";
import { stopChild, trackChild } from "../util/child-registry.js";
import type { ServerCommand } from "./target-definition.js";

/** What `startServer` needs of a target: its name (for errors) and how to start it. */
export interface ServerLauncher {
  name: string;
  command(port: number, host: string): ServerCommand;
}

/** Options of `startServer`. */
export interface ServerProcessOptions {
  /** CPU list for `taskset -c` (e.g. "0"); empty runs unpinned. */
  cpus: string;
  host: string;
  /** Port to serve on; 0 picks a free one. */
  port: number;
  /** Time for the server to accept TCP connections. */
  readyTimeoutMs: number;
  /** Environment on top of the target's own (scale-out settings, history size). */
  env: Record<string, string>;
}

/** Defaults of `ServerProcessOptions`. */
export const serverProcessDefaults: ServerProcessOptions = {
  cpus: "",
  host: "127.0.0.1",
  port: 0,
  readyTimeoutMs: 30_000,
  env: {},
};

/** A target server running in its own process group. */
export interface ServerProcess {
  pid: number;
  host: string;
  port: number;
  /** `ws://host:port` */
  url: string;
  child: ChildProcess;
  /** Last few KB the server printed (for error reports). */
  output(): string;
  /** Stops the server and everything it started (SIGKILL after `graceMs`, default 3 s). */
  stop(graceMs?: number): Promise<void>;
}

/** Size of the tail of server output kept for error messages. */
const OUTPUT_TAIL = 4096;

/** Returns a TCP port that was free a moment ago. */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a target's server (pinned with taskset when `cpus` is set) and waits until it accepts. */
export async function startServer(
  target: ServerLauncher,
  options: Partial<ServerProcessOptions> = {},
): Promise<ServerProcess> {
  const o = { ...serverProcessDefaults, ...options };
  const port = o.port || (await freePort(o.host));
  const command = target.command(port, o.host);
  const [cmd, args] = o.cpus ? ["taskset", ["-c", o.cpus, command.cmd, ...command.args]] : [command.cmd, command.args];
  const child = spawn(cmd as string, args as string[], {
    cwd: command.cwd,
    env: { ...process.env, ...command.env, ...o.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  trackChild(child);
  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString("utf8")).slice(-OUTPUT_TAIL);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const server: ServerProcess = {
    pid: child.pid as number,
    host: o.host,
    port,
    url: `ws://${o.host}:${port}`,
    child,
    output: () => tail,
    stop: (graceMs?: number) => stopChild(child, graceMs),
  };
  try {
    await waitForPort(o.host, port, o.readyTimeoutMs, child);
  } catch (error) {
    await server.stop();
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${target.name} did not start: ${message}\n${tail.trim()}`);
  }
  return server;
}

/** Resolves once `host:port` accepts a TCP connection; rejects if `child` exits first. */
export async function waitForPort(host: string, port: number, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`exited with ${child.exitCode ?? child.signalCode}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, host);
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} not open after ${timeoutMs} ms`);
}
