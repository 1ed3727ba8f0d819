import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort } from "@dashwire/server/testing";

/**
 * A private three-master Redis Cluster on loopback for tests (`redis-server --cluster-enabled`
 * on three free ports, joined with `redis-cli --cluster create`). `stop` kills it and removes
 * its files.
 */
export class RedisClusterProcess {
  private readonly children: ChildProcess[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), "dashwire-redis-cluster-"));
  readonly ports: number[] = [];

  /** Starts the cluster and waits until every slot is served. */
  static async start(): Promise<RedisClusterProcess> {
    const cluster = new RedisClusterProcess();
    try {
      for (let i = 0; i < 3; i++) cluster.ports.push(await freePort());
      for (const port of cluster.ports) {
        const args = ["--port", String(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes"];
        args.push(
          "--cluster-config-file",
          `nodes-${port}.conf`,
          "--dir",
          cluster.dir,
          "--save",
          "",
          "--appendonly",
          "no",
        );
        cluster.children.push(spawn("redis-server", args, { stdio: "ignore" }));
      }
      await cluster.waitUntil(async (r) => (await r.ping()) === "PONG");
      const create = spawnSync(
        "redis-cli",
        [
          "--cluster",
          "create",
          ...cluster.ports.map((p) => `127.0.0.1:${p}`),
          "--cluster-replicas",
          "0",
          "--cluster-yes",
        ],
        { encoding: "utf8", timeout: 20_000 },
      );
      if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stderr}${create.stdout}`);
      await cluster.waitUntil(async (r) => String(await r.cluster("INFO")).includes("cluster_state:ok"));
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  /** Seed nodes for ioredis. */
  get nodes(): { host: string; port: number }[] {
    return this.ports.map((port) => ({ host: "127.0.0.1", port }));
  }

  private async waitUntil(check: (r: Redis) => Promise<boolean>): Promise<void> {
    for (const port of this.ports) {
      const r = new Redis({
        port,
        host: "127.0.0.1",
        lazyConnect: true,
        retryStrategy: () => 50,
        maxRetriesPerRequest: 1,
      });
      r.on("error", () => {});
      try {
        for (let i = 0; ; i++) {
          if (await check(r).catch(() => false)) break;
          if (i > 200) throw new Error(`redis cluster node ${port} not ready`);
          await new Promise((res) => setTimeout(res, 50));
        }
      } finally {
        r.disconnect();
      }
    }
  }

  /** Kills every node and removes the cluster's files. */
  async stop(): Promise<void> {
    await Promise.all(
      this.children.map((child) => {
        if (child.exitCode !== null) return Promise.resolve();
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGKILL");
        return exited;
      }),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}
