/**
 * `dashwire start --workers 2 --graphite … --statsd …`: the Graphite port is shared by the
 * workers through the cluster primary; the StatsD port is bound by the first worker alone, so a
 * counter's interval is one aggregate. Were both workers aggregating, the two points of one series
 * and interval would share a timestamp and the second would replace the first: fewer than sent.
 */
import dgram from "node:dgram";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../../packages/server/test/until.js";
import { CLI_TEST_TIMEOUT_MS, type CliProcess, startCli } from "../api/cluster-cli.js";

/** A port free now (TCP or UDP), for a listener that cannot be asked for port 0 and tell it. */
async function freePort(kind: "tcp" | "udp"): Promise<number> {
  if (kind === "tcp") {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const { port } = s.address() as net.AddressInfo;
    await new Promise((r) => s.close(r));
    return port;
  }
  const s = dgram.createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(r));
  return port;
}

let dir: string;
let cli: CliProcess;
let graphite: number;
let statsd: number;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dashwire-listeners-"));
  graphite = await freePort("tcp");
  statsd = await freePort("udp");
  cli = await startCli(["start", "--workers", "2", "--port", "0", "--no-demo"], {
    DASHWIRE_DATA_DIR: dir,
    DASHWIRE_GRAPHITE: `127.0.0.1:${graphite}`,
    DASHWIRE_STATSD: `127.0.0.1:${statsd}`,
  });
}, CLI_TEST_TIMEOUT_MS);
afterAll(async () => {
  cli?.kill();
  await rm(dir, { recursive: true, force: true });
});

type Rows = { points: number[][] };
const query = async (id: string): Promise<Rows> =>
  (
    await fetch(
      `${cli.url}/api/v1/query?${new URLSearchParams({ series: id, from: String(Date.now() - 120_000), step: "1000" })}`,
    )
  ).json() as Promise<Rows>;

describe("Graphite and StatsD with --workers 2", () => {
  it(
    "says where the listeners are in its banner",
    async () => {
      const line = `  graphite (TCP): 127.0.0.1:${graphite}   statsd (UDP): 127.0.0.1:${statsd}\n`;
      // The banner's lines may come after the one the start waited for.
      await until(() => cli.output().includes(line), 30_000, "the listeners' line");
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    "stores the lines of every Graphite connection, whichever worker took it",
    async () => {
      const ts = Math.floor(Date.now() / 1000) - 1;
      for (let i = 0; i < 20; i++) {
        const socket = net.connect(graphite, "127.0.0.1");
        socket.end(`lc.g;conn=${i} ${i} ${ts}\n`);
        await new Promise((r) => socket.once("close", r));
      }
      for (let i = 0; i < 20; i++)
        await until(async () => (await query(`lc.g,conn=${i}`)).points.length === 1, 60_000, `connection ${i}'s line`);
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    "counts every StatsD increment once: one worker aggregates",
    async () => {
      const client = dgram.createSocket("udp4");
      for (let i = 0; i < 200; i++)
        await new Promise<void>((resolve, reject) =>
          client.send("lc.hits:1|c", statsd, "127.0.0.1", (err) => (err ? reject(err) : resolve())),
        );
      client.close();
      let total = 0;
      await until(
        async () => {
          // One point per interval (the bucket's sum is that point's count); the sends may span intervals.
          total = (await query("lc.hits")).points.reduce((n, row) => n + (row[2] as number), 0);
          return total >= 200;
        },
        60_000,
        "200 increments stored",
      );
      expect(total).toBe(200);
    },
    CLI_TEST_TIMEOUT_MS,
  );
});
