import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createServer, type DashwireServer } from "@dashwire/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The Python package's own tests (unittest, Debian's system python3) against a real dashwire
 * server started here: each Python test is one test of this suite, named after it, so the
 * suite's counts include them and a failure shows its traceback.
 */

const PYTHON = "/usr/bin/python3";
const dir = fileURLToPath(new URL("..", import.meta.url));
const KEY = "python-client-test-key-0123456789";

interface Outcome {
  id: string;
  outcome: "passed" | "failed" | "error" | "skipped";
  detail: string;
}

/** The Python test ids, listed at collection time (empty when there is no system python3). */
function listTests(): string[] {
  if (!existsSync(PYTHON)) return [];
  const r = spawnSync(PYTHON, ["tests/run_json.py", "--list"], { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`listing the Python tests failed:\n${r.stderr}`);
  return r.stdout.split("\n").filter((l) => l !== "");
}

const ids = listTests();
const outcomes = new Map<string, Outcome>();
let app: DashwireServer | undefined;

/** Starts the server the Python tests expect (see clients/python/tests/server.py). */
async function startServer(): Promise<{ http: string; ws: string }> {
  app = createServer({ logLevel: "silent", serverApi: { keys: [KEY] } });
  app.topic("py:*", { presence: true, history: { size: 1000 } });
  app.topic("quiet", { presence: false });
  // As in docs/python.md's server.
  app.topic("ticker", { history: { size: 100 }, latest: { maxKeys: 100 } });
  app.topic("dashboard:*", { presence: true, history: { size: 100 } });
  // biome-ignore lint/correctness/useHookAtTopLevel: a dashwire server method, not a React hook (the root package.json lists react)
  app.useConnect((ctx) => {
    const user = (ctx.data as { user?: string } | undefined)?.user;
    if (user !== undefined) {
      ctx.user = { id: user };
      ctx.presence = { name: user };
    }
  });
  const { port } = await app.listen(0, "127.0.0.1");
  return { http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}/dashwire` };
}

/** Runs the whole Python suite once; every JSON line is one test's outcome. */
function runPython(env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ["tests/run_json.py"], { cwd: dir, env: { ...process.env, ...env } });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c;
    });
    child.stderr.on("data", (c: Buffer) => {
      err += c;
    });
    child.on("error", reject);
    child.on("close", () => {
      for (const line of out.split("\n")) {
        if (!line.startsWith("{")) continue;
        const o = JSON.parse(line) as Outcome;
        // A class skipped or broken in setUpClass is reported once, as "setUpClass (module.Class)".
        const holder = /^setUpClass \((.+)\)$/.exec(o.id);
        if (holder === null) outcomes.set(o.id, o);
        else for (const id of ids) if (id.startsWith(`${holder[1]}.`)) outcomes.set(id, { ...o, id });
      }
      if (outcomes.size === 0) reject(new Error(`the Python tests reported nothing:\n${err}`));
      else resolve();
    });
  });
}

describe.skipIf(ids.length === 0)("Python client (clients/python, /usr/bin/python3)", () => {
  beforeAll(async () => {
    const { http, ws } = await startServer();
    await runPython({ DASHWIRE_TEST_URL: http, DASHWIRE_TEST_WS: ws, DASHWIRE_TEST_KEY: KEY });
    const counts = { passed: 0, failed: 0, error: 0, skipped: 0 };
    for (const o of outcomes.values()) counts[o.outcome]++;
    console.log(`python: ${ids.length} tests: ${JSON.stringify(counts)}`);
    for (const o of outcomes.values()) if (o.outcome === "skipped") console.log(`python: skipped ${o.id}: ${o.detail}`);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
  });

  for (const id of ids)
    it(id.replace(/^tests\./, ""), (ctx) => {
      const o = outcomes.get(id);
      expect(o, `${id} did not report`).toBeDefined();
      if (o?.outcome === "skipped") ctx.skip(o.detail);
      expect(o?.outcome, o?.detail).toBe("passed");
    });
});

if (ids.length === 0) console.log(`python: skipped: no ${PYTHON} on this machine`);
