import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canConnect, freePort } from "@dashwire/server/testing";

/**
 * A private nats-server with JetStream for fault tests (never the machine's shared one). Its
 * store directory survives restarts, so file-backed streams keep their messages. SIGKILL stops it.
 */
export class NatsProcess {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), "dashwire-nats-"));

  private constructor(readonly port: number) {}

  /** Starts one on a free port and waits until it accepts connections. */
  static async start(): Promise<NatsProcess> {
    const proc = new NatsProcess(await freePort());
    await proc.restart();
    return proc;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** (Re)starts the server on the same port and store directory. */
  async restart(): Promise<void> {
    const args = ["-a", "127.0.0.1", "-p", String(this.port), "-js", "-sd", this.dir];
    this.child = spawn("nats-server", args, { stdio: "ignore" });
    for (let i = 0; i < 100; i++) {
      if (await canConnect(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`nats-server did not start on ${this.port}`);
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

  /** Kills the server for good and removes its store. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
