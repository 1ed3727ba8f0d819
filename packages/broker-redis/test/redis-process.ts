import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canConnect, freePort } from "@dashwire/server/testing";

/**
 * A private redis-server for fault tests (never the machine's shared one). Without persistence
 * a restart loses every key (a replaced cache node); with it (append-only file, fsync always)
 * a restart keeps them. Stopped with SIGKILL, as a crash would.
 */
export class RedisProcess {
  private child: ChildProcess | undefined;
  private readonly dir: string | undefined;

  private constructor(
    readonly port: number,
    persistent: boolean,
  ) {
    this.dir = persistent ? mkdtempSync(join(tmpdir(), "dashwire-redis-")) : undefined;
  }

  /** Starts one on a free port and waits until it accepts connections. */
  static async start(options: { persistent?: boolean } = {}): Promise<RedisProcess> {
    const proc = new RedisProcess(await freePort(), options.persistent === true);
    await proc.restart();
    return proc;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** (Re)starts the server on the same port. */
  async restart(): Promise<void> {
    const args = ["--port", String(this.port), "--bind", "127.0.0.1", "--save", ""];
    if (this.dir === undefined) args.push("--appendonly", "no");
    else args.push("--appendonly", "yes", "--appendfsync", "always", "--dir", this.dir);
    this.child = spawn("redis-server", args, { stdio: "ignore" });
    for (let i = 0; i < 100; i++) {
      if (await canConnect(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not start on ${this.port}`);
  }

  /** Kills the server for good and removes its files. */
  async stop(): Promise<void> {
    await this.kill();
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
  }

  /** Kills the server (as a crash would) and waits until it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }
}
