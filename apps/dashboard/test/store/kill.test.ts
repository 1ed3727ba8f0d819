/**
 * Acknowledged means kept (SQLite): four clients ingest batches with acks into `dashwire start`,
 * the process is killed with SIGKILL mid-stream, and a restart on the same data dir returns
 * every acknowledged point, none twice; a batch cut by the kill is all or nothing, and sending it
 * again (the client's retry) changes nothing that was already stored.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { until } from "../../../../packages/server/test/until.js";
import { getJson, post, type QueryBody, startApp } from "../api/helpers.js";

const runner = fileURLToPath(new URL("../api/fixtures/run-cli.ts", import.meta.url));
const CLIENTS = 4;
const BATCH = 50;

let dir = "";
let child: ChildProcess | undefined;
afterAll(async () => {
  child?.kill("SIGKILL");
  if (dir !== "") await rm(dir, { recursive: true, force: true });
});

interface Batch {
  points: Array<{ name: string; value: number; ts: number }>;
}

it("every acknowledged point survives kill -9, none twice", async () => {
  dir = await mkdtemp(join(tmpdir(), "dashwire-kill-"));
  let out = "";
  child = spawn(
    process.execPath,
    ["--import", "tsx", runner, "start", "--workers", "1", "--port", "0", "--no-demo", "--data-dir", dir],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, DASHWIRE_LOG_LEVEL: "silent" } },
  );
  child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (out += c.toString()));
  let base = "";
  await until(
    () => {
      base = /listening on (http:\/\/\S+)/.exec(out)?.[1] ?? "";
      return base !== "";
    },
    30_000,
    "the server listening",
  );

  // Each client writes its own series, one point per ms from five minutes ago on.
  const start = Date.now() - 300_000;
  const acked: Batch[][] = Array.from({ length: CLIENTS }, () => []);
  const cut: Array<Batch | undefined> = Array.from({ length: CLIENTS }, () => undefined);
  let killed = false;
  const clients = Array.from({ length: CLIENTS }, async (_, c) => {
    for (let k = 0; !killed; k++) {
      const batch: Batch = {
        points: Array.from({ length: BATCH }, (_, j) => ({
          name: `kill.c${c}`,
          value: k * BATCH + j + 1,
          ts: start + k * BATCH + j,
        })),
      };
      try {
        const res = await post(`${base}/api/v1/metrics`, batch);
        if (res.status === 200) acked[c]?.push(batch);
        else throw new Error(`status ${res.status}`);
      } catch {
        cut[c] = batch; // no answer: the kill came first
        return;
      }
    }
  });
  await until(() => acked.every((a) => a.length >= 10), 20_000, "every client acknowledged");
  child.kill("SIGKILL");
  killed = true;
  await Promise.all(clients);

  // Restart on the same data dir and count what each series holds.
  await using app = await startApp({ dataDir: dir });
  const stored = async (c: number) => {
    const q = await getJson<QueryBody>(
      app.url(`/api/v1/query?series=kill.c${c}&from=${start - 1000}&to=${Date.now()}&step=1000`),
    );
    let count = 0;
    let sum = 0;
    for (const p of q.body.points) {
      count += p[1];
      sum += p[2];
    }
    return { count, sum };
  };
  const total = (batches: Batch[]) => batches.flatMap((b) => b.points).reduce((s, p) => s + p.value, 0);
  for (let c = 0; c < CLIENTS; c++) {
    const mine = acked[c] as Batch[];
    const ackedPoints = mine.length * BATCH;
    const got = await stored(c);
    // All acknowledged points; the cut batch is all or nothing.
    const withCut = cut[c] === undefined ? [ackedPoints] : [ackedPoints, ackedPoints + BATCH];
    expect(withCut).toContain(got.count);
    expect(got.count === ackedPoints ? total(mine) : total([...mine, cut[c] as Batch])).toBe(got.sum);
    // The client retries what got no answer (and, to be sure, an acknowledged batch): nothing twice.
    const retry = [...(cut[c] === undefined ? [] : [cut[c] as Batch]), mine[0] as Batch];
    for (const b of retry) expect((await post(app.url("/api/v1/metrics"), b)).status).toBe(200);
    const after = await stored(c);
    expect(after.count).toBe(ackedPoints + (cut[c] === undefined ? 0 : BATCH));
    expect(after.sum).toBe(total(cut[c] === undefined ? mine : [...mine, cut[c] as Batch]));
  }
});
