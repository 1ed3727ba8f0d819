/**
 * Graphite plaintext over real TCP (`graphite: "127.0.0.1:0"`): lines written by a socket client,
 * and by socat (a real command-line client) as an operator would pipe them, are queryable over
 * HTTP; hostile input is counted and never closes the listener.
 */
import { spawn } from "node:child_process";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../../packages/server/test/until.js";
import { MAX_GRAPHITE_LINE_BYTES } from "../../src/ingest/graphite-lines.js";
import { startApp, type TestApp } from "../api/helpers.js";
import { counter, rowsOf, seriesIds } from "./agent-helpers.js";

let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await startApp({ graphite: "127.0.0.1:0" });
  port = (t.app.listeners.graphite as net.AddressInfo).port;
});
afterAll(() => t.close());

/**
 * Runs a command and resolves with its exit code (-1 when it cannot start). Not spawnSync: that
 * blocks this process, the app under test included, and a block past the server's 5 s keep-alive
 * makes the next fetch on an idle connection fail with ECONNRESET (see statsd.test.ts).
 */
function run(cmd: string, args: string[], input = ""): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "ignore", "ignore"] });
    child.on("error", () => resolve(-1));
    child.on("close", (code) => resolve(code ?? -1));
    child.stdin.on("error", () => {}); // EPIPE when it could not start or exited early
    child.stdin.end(input);
  });
}

const refused = () => counter(t, 'dashwire_ingest_points_total{format="graphite",result="refused"}');
const accepted = () => counter(t, 'dashwire_ingest_points_total{format="graphite",result="accepted"}');

/** Writes `data` (pieces written one by one) on a fresh connection and closes it once the server has read it all. */
async function send(...pieces: Array<string | Buffer>): Promise<void> {
  const socket = net.connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  for (const p of pieces) socket.write(p);
  socket.end();
  await new Promise<void>((resolve) => socket.once("close", () => resolve()));
}

const now = () => Math.floor(Date.now() / 1000);

// A backstop for a loaded machine: each case waits on events (stored rows, counters), never on time.
describe("Graphite plaintext over TCP", { timeout: 90_000 }, () => {
  it("stores plain and tagged lines, split anywhere across TCP segments", async () => {
    const ts = now() - 2;
    const text = `gr.cpu.load 0.5 ${ts}\ngr.disk.used;host=web-1;mount=/ 42 ${ts}\ngr.nots 7\n`;
    // Cut inside a line and inside a UTF-8-free token: the connection joins the pieces.
    await send(text.slice(0, 7), text.slice(7, 30), text.slice(30));
    const rows = await rowsOf(t, "gr.cpu.load", 1, 30_000);
    expect(rows[0]?.slice(0, 3)).toEqual([ts * 1000, 1, 0.5]);
    const tagged = await rowsOf(t, "gr.disk.used,host=web-1,mount=/", 1, 30_000);
    expect(tagged[0]?.[5]).toBe(42);
    expect((await rowsOf(t, "gr.nots", 1, 30_000))[0]?.[5]).toBe(7);
  });

  it("takes lines piped through socat, a real command-line client", async (ctx) => {
    if ((await run("socat", ["-V"])) !== 0) ctx.skip();
    const ts = now() - 1;
    expect(await run("socat", ["-u", "-", `TCP:127.0.0.1:${port}`], `gr.socat.load 1.25 ${ts}\n`)).toBe(0);
    expect((await rowsOf(t, "gr.socat.load", 1, 30_000))[0]?.slice(0, 3)).toEqual([ts * 1000, 1, 1.25]);
  });

  it("counts oversized, invalid UTF-8 and malformed lines as refused and keeps the lines around them", async () => {
    const before = await refused();
    const ts = now() - 1;
    const huge = "x".repeat(MAX_GRAPHITE_LINE_BYTES * 4);
    const tags = Array.from({ length: 1000 }, (_, i) => `t${i}=v`).join(";");
    await send(
      `gr.h.before 1 ${ts}\n`,
      // An over-long line arrives in pieces with no newline for a while: it is never buffered whole.
      huge,
      huge,
      `\ngr.h.bad-utf8`,
      Buffer.from([0xff, 0xfe]),
      ` 1 ${ts}\ngr.h.tags;${tags} 1 ${ts}\nnot a graphite line at all\ngr.h.after 2 ${ts}\n`,
    );
    await until(async () => (await refused()) - before === 4, 30_000, "4 lines refused");
    expect((await rowsOf(t, "gr.h.before", 1, 30_000))[0]?.[5]).toBe(1);
    expect((await rowsOf(t, "gr.h.after", 1, 30_000))[0]?.[5]).toBe(2);
    expect(await seriesIds(t, "gr.h.")).toEqual(expect.not.arrayContaining([expect.stringMatching(/bad-utf8|tags/)]));
    // The listener still takes connections.
    await send(`gr.h.still 3 ${ts}\n`);
    expect((await rowsOf(t, "gr.h.still", 1, 30_000))[0]?.[5]).toBe(3);
  });

  it("reads a large stream in order without losing a line", async () => {
    const base = await accepted();
    const ts = now() - 1;
    const n = 20_000;
    // 100 series, 200 lines each: every line must be read and stored once.
    const lines = Array.from({ length: n }, (_, i) => `gr.bulk;i=${i % 100} ${i} ${ts}\n`).join("");
    await send(lines);
    await until(async () => (await accepted()) - base === n, 60_000, `${n} lines accepted`);
    const rows = await rowsOf(t, "gr.bulk,i=7", 1, 30_000);
    // 200 points of series i=7 in one second: the last write of that second wins (Graphite semantics).
    expect(rows[0]?.slice(0, 2)).toEqual([ts * 1000, 1]);
  });
});
