import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RedisBroker } from "@dashwire/broker-redis";
import { type Client, connect, type TransportName } from "@dashwire/client/node";
import { createServer, type DashwireServer } from "@dashwire/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canConnect, freePort } from "@dashwire/server/testing";

const REDIS = process.env.DASHWIRE_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const DEPLOY_DOC = new URL("../../../docs/deploy.md", import.meta.url);

/** nginx from PATH or Debian's place; when missing and root, installed from Debian's packages. */
function findNginx(): { path?: string; why?: string } {
  const which = () =>
    ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => existsSync(p)) ??
    (spawnSync("sh", ["-c", "command -v nginx"], { encoding: "utf8" }).stdout.trim() || undefined);
  let path = which();
  if (path !== undefined) return { path };
  if (process.getuid?.() !== 0)
    return { why: "nginx is not installed and we are not root (run scripts/setup.sh --nginx as root)" };
  const apt = spawnSync(
    "sh",
    ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx"],
    {
      stdio: "ignore",
      timeout: 180_000,
    },
  );
  path = which();
  return path !== undefined ? { path } : { why: `nginx could not be installed (apt-get exit ${apt.status})` };
}

const nginx = findNginx();
if (nginx.path === undefined) console.warn(`nginx round-robin test skipped: ${nginx.why}`);

/**
 * The nginx block of docs/deploy.md, pointed at our nodes and port, wrapped in the few top-level
 * lines a standalone nginx needs (no daemon, pid and logs and temp files in `dir`).
 */
async function nginxConf(dir: string, port: number, upstreams: number[]): Promise<string> {
  const doc = await readFile(DEPLOY_DOC, "utf8");
  const block = /```nginx\n([\s\S]*?)```/.exec(doc)?.[1];
  if (block === undefined) throw new Error("docs/deploy.md has no nginx block");
  const servers = upstreams.map((p) => `    server 127.0.0.1:${p};`).join("\n");
  const site = block
    .replace(/(upstream dashwire \{[\s\S]*?)((?: {4}server [^\n]+\n)+)/, `$1${servers}\n`)
    .replace(/listen 80;/, `listen 127.0.0.1:${port};`);
  expect(site).toContain(`server 127.0.0.1:${upstreams[2]};`);
  return [
    "daemon off;",
    "worker_processes 1;",
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log warn;`,
    "events { worker_connections 256; }",
    "http {",
    "  access_log off;",
    ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `  ${t}_temp_path ${dir}/${t};`),
    site,
    "}",
  ].join("\n");
}

const until = async (check: () => boolean, timeoutMs = 10_000) => {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe.skipIf(nginx.path === undefined)("nginx round robin over three nodes on Redis (no affinity)", () => {
  const nodes: DashwireServer[] = [];
  const servers: http.Server[] = [];
  /** Requests of the HTTP transports seen by each node. */
  const hits = [0, 0, 0];
  const clients: Client[] = [];
  let dir = "";
  let proc: ChildProcess | undefined;
  let base = "";

  beforeAll(async () => {
    const prefix = `dw-nginx-${process.pid}-${Date.now()}:`;
    const ports: number[] = [];
    for (let i = 0; i < 3; i++) {
      const node = createServer({ logLevel: "silent", broker: new RedisBroker({ connection: REDIS, prefix }) });
      node.topic("chat", { clientPublish: true, history: { size: 1000 } });
      node.on("whoami", () => node.nodeId);
      const server = http.createServer();
      node.attach(server);
      server.prependListener("request", (req: http.IncomingMessage) => {
        if (req.url?.startsWith("/dashwire/")) hits[i]!++;
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      await node.start();
      nodes.push(node);
      servers.push(server);
      ports.push((server.address() as net.AddressInfo).port);
    }
    dir = await mkdtemp(join(tmpdir(), "dashwire-nginx-"));
    const port = await freePort();
    await writeFile(join(dir, "nginx.conf"), await nginxConf(dir, port, ports));
    proc = spawn(nginx.path as string, ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log")], {
      stdio: ["ignore", "ignore", "pipe"],
      detached: true, // its own process group: the workers go with it at the end
    });
    let stderr = "";
    proc.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
    const end = Date.now() + 10_000;
    while (!(await canConnect(port))) {
      if (proc.exitCode !== null || Date.now() > end)
        throw new Error(
          `nginx did not start: ${stderr} ${await readFile(join(dir, "error.log"), "utf8").catch(() => "")}`,
        );
      await new Promise((r) => setTimeout(r, 20));
    }
    base = `http://127.0.0.1:${port}/dashwire`;
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    if (proc !== undefined && proc.exitCode === null) {
      const exited = new Promise((r) => proc?.once("exit", r));
      proc.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      try {
        process.kill(-(proc.pid as number), "SIGKILL");
      } catch {}
    }
    for (const n of nodes) await n.close();
    for (const s of servers) s.close();
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  it("SSE, long-polling and WebSocket clients exchange messages both ways through nginx", async () => {
    const received: unknown[][] = [];
    const homes: string[] = [];
    const transports: TransportName[][] = [["sse"], ["polling"], ["websocket"]];
    for (const forced of transports) {
      const client = connect(base, { transports: forced, reconnect: false, rememberTransportMs: 0 });
      clients.push(client);
      const got: unknown[] = [];
      received.push(got);
      await client.subscribe("chat", (data) => got.push(data)).ready;
      expect(client.transport).toBe(forced[0]);
      homes.push((await client.emit("whoami", null)) as string);
    }
    // Each client's requests reach its own session, wherever nginx sends them.
    for (let i = 0; i < 3; i++) expect((await clients[i]!.emit("whoami", null)) as string).toBe(homes[i]);
    // Both directions: every client publishes, every client receives everything, in one order.
    const sent: string[] = [];
    for (let round = 0; round < 10; round++)
      for (let i = 0; i < 3; i++) {
        const text = `${transports[i]![0]}-${round}`;
        sent.push(text);
        await clients[i]!.publish("chat", text);
      }
    await until(() => received.every((r) => r.length === sent.length));
    for (const r of received) expect(r).toEqual(sent);
    // No affinity: the HTTP transports' requests were spread over all three nodes.
    expect(hits.every((h) => h > 0)).toBe(true);
  });
});
