import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RedisBroker } from "@dashwire/broker-redis";
import { brokerContract, canConnect, freePort } from "@dashwire/server/testing";
import { afterAll, beforeAll } from "vitest";
import { RedisProcess } from "./redis-process.js";

/**
 * The broker through Redis Sentinel: a private redis-server as master and a private Sentinel
 * (`redis-server --sentinel`) that knows it; the broker finds the master through the Sentinel,
 * as a production deployment does. Failover itself is not exercised here (see docs/brokers.md).
 */
let master: RedisProcess;
let sentinel: ChildProcess;
let sentinelPort = 0;
let dir: string;

beforeAll(async () => {
  master = await RedisProcess.start();
  sentinelPort = await freePort();
  dir = mkdtempSync(join(tmpdir(), "dashwire-sentinel-"));
  const conf = join(dir, "sentinel.conf");
  writeFileSync(
    conf,
    `port ${sentinelPort}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor dwmaster 127.0.0.1 ${master.port} 1\nsentinel down-after-milliseconds dwmaster 5000\n`,
  );
  sentinel = spawn("redis-server", [conf, "--sentinel"], { stdio: "ignore" });
  // Wait until the Sentinel accepts connections (it knows the master from its config at once).
  for (let i = 0; i < 100 && !(await canConnect(sentinelPort)); i++) await new Promise((r) => setTimeout(r, 50));
});

afterAll(async () => {
  sentinel?.kill("SIGKILL");
  await master?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const prefix = `dwtest:sentinel:${process.pid}:${Date.now()}:`;
brokerContract("redis via sentinel", {
  create: () =>
    new RedisBroker({
      connection: { sentinels: [{ host: "127.0.0.1", port: sentinelPort }], name: "dwmaster" },
      prefix,
      topicTtlMs: 60_000,
    }),
  multiNode: true,
});
