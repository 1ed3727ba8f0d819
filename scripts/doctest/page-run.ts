/**
 * Doc-tests, part 3: running the blocks of one page, in order, the way a reader follows it.
 * A page gets a real dashboard (`dashwire start`, demo feed on, like `npm start`) the first time
 * a block talks to one (`:8080`, or the `dashwire` command); `server` blocks run in the
 * background until the page ends. Ports a page names are swapped for free ones, so pages can
 * run beside anything else on the machine.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DocBlock } from "./markdown-blocks.js";
import { outputMatches } from "./markdown-blocks.js";
import { shellCommands, shellScript } from "./shell-script.js";

/** Longest one block may run. */
export const BLOCK_TIMEOUT_MS = 30_000;

/** What a finished command printed. */
interface Ran {
  code: number | null;
  out: string;
  err: string;
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode} before listening on ${port}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => resolve(true));
      s.once("error", () => resolve(false));
    }).then((ok) => ok);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
}

function collect(child: ChildProcess, timeoutMs: number): Promise<Ran> {
  return new Promise((resolve) => {
    let out = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      err += `\n(doctest: killed after ${timeoutMs} ms)`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/** The blocks of one page, run in order against their own dashboard and servers. */
export class PageRun {
  private readonly dir: string;
  private readonly binDir: string;
  private dashboard: { child: ChildProcess; url: string; port: number } | undefined;
  private readonly background: ChildProcess[] = [];
  /** Literal text of the page → what it becomes when run (ports). */
  private readonly swaps = new Map<string, string>();

  constructor(
    /** The repository root. */
    private readonly root: string,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), "dashwire-doctest-"));
    this.binDir = join(this.dir, "bin");
    mkdirSync(this.binDir);
    // `dashwire …` in a page is the CLI of this checkout.
    const shim = join(this.binDir, "dashwire");
    writeFileSync(shim, `#!/bin/sh\nexec node "${root}/apps/dashboard/bin/dashwire.js" "$@"\n`);
    chmodSync(shim, 0o755);
  }

  /** The block's code as it runs: the page's ports swapped for the real ones. */
  private swapped(code: string): string {
    let out = code;
    for (const [from, to] of this.swaps) out = out.replace(new RegExp(`\\b${from}\\b`, "g"), to);
    return out;
  }

  private needsDashboard(code: string): boolean {
    return /:8080\b/.test(code) || /(^|[\s;&|(])dashwire\s/m.test(code);
  }

  /** Starts the page's dashboard the first time a block needs one. */
  private async ensureDashboard(code: string): Promise<void> {
    if (this.dashboard !== undefined || !this.needsDashboard(code)) return;
    const dataDir = join(this.dir, "data");
    const child = spawn(
      process.execPath,
      [
        join(this.root, "apps/dashboard/bin/dashwire.js"),
        "start",
        "--port",
        "0",
        "--workers",
        "1",
        "--data-dir",
        dataDir,
      ],
      { cwd: this.root, stdio: ["ignore", "pipe", "pipe"] },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`dashboard did not start: ${out}`)), BLOCK_TIMEOUT_MS);
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/[^\s]+)/.exec(out);
        if (m !== null) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
      });
      child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
      child.once("exit", (c) => reject(new Error(`dashboard exited (${c}): ${out}`)));
    });
    const port = Number(new URL(url).port);
    this.dashboard = { child, url, port };
    this.swaps.set("8080", String(port));
  }

  private env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${this.binDir}:${process.env.PATH ?? ""}` };
    if (this.dashboard !== undefined) env.DASHWIRE_URL = this.dashboard.url;
    return env;
  }

  /** Runs a `sh` block; throws with the log when a command fails or an answer differs. */
  async shell(block: DocBlock): Promise<string> {
    const code = `${block.directive?.prelude ?? ""}\n${block.code}`;
    await this.ensureDashboard(code);
    const commands = shellCommands(this.swapped(code));
    const outDir = mkdtempSync(join(this.dir, "sh-"));
    const script = join(outDir, "block.sh");
    writeFileSync(script, shellScript(commands, outDir));
    const ran = await collect(
      spawn("bash", [script], { cwd: this.root, env: this.env(), stdio: ["ignore", "pipe", "pipe"] }),
      BLOCK_TIMEOUT_MS,
    );
    const log = `--- stdout\n${ran.out}\n--- stderr\n${ran.err}`;
    if (ran.code !== 0) throw new Error(`${block.file}:${block.line}: exit code ${ran.code}\n${log}`);
    commands.forEach((c, n) => {
      if (c.shown === undefined) return;
      const actual = readFileSync(join(outDir, `${n}.out`), "utf8");
      if (!outputMatches(c.shown, actual))
        throw new Error(
          `${block.file}:${block.line + c.line}: the page shows\n  ${c.shown}\nbut the command printed\n  ${actual.trim()}`,
        );
    });
    return log;
  }

  /**
   * A `sh` block of `server` mode: each command starts a server (`dashwire start …`). It must
   * print its URL, answer `/healthz` there, and on SIGTERM stop with exit code 0. `--port` and
   * `DASHWIRE_PORT` default to a free port (`DASHWIRE_PORT=0`), so the page's command runs as written.
   */
  async shellServers(block: DocBlock): Promise<string> {
    let log = "";
    for (const command of shellCommands(this.swapped(block.code))) {
      const child = spawn("bash", ["-c", command.text], {
        cwd: this.root,
        env: { ...this.env(), DASHWIRE_PORT: "0" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const ran = collect(child, BLOCK_TIMEOUT_MS);
      let out = "";
      child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
      const where = `${block.file}:${block.line + command.line}`;
      const end = Date.now() + BLOCK_TIMEOUT_MS;
      let url: string | undefined;
      while (url === undefined && Date.now() < end && child.exitCode === null) {
        url = /listening on (https?:\/\/\S+)/.exec(out)?.[1];
        if (url === undefined) await new Promise((r) => setTimeout(r, 50));
      }
      if (url === undefined) {
        child.kill("SIGKILL");
        const r = await ran;
        throw new Error(`${where}: printed no URL\n--- stdout\n${r.out}\n--- stderr\n${r.err}`);
      }
      const health = await fetch(`${url}/healthz`).then((r) => r.status, String);
      child.kill("SIGTERM");
      const r = await ran;
      log += `$ ${command.text}\n${r.out}${r.err}`;
      if (health !== 200) throw new Error(`${where}: /healthz answered ${health}\n${log}`);
      if (r.code !== 0) throw new Error(`${where}: exit code ${r.code} after SIGTERM\n${log}`);
    }
    return log;
  }

  /** Runs a `ts` block to its end (or, for a `server` block, until it listens). */
  async typescript(block: DocBlock, slug: string): Promise<string> {
    const server = block.directive?.mode === "server";
    const declared = block.directive?.options.port;
    if (declared !== undefined && !this.swaps.has(declared)) this.swaps.set(declared, String(await freePort()));
    const source = `${block.directive?.prelude ?? ""}\n${block.code}`;
    await this.ensureDashboard(source);
    const runDir = join(this.root, ".doctest", "run");
    mkdirSync(runDir, { recursive: true });
    const file = join(runDir, `${slug}.ts`);
    // A block is done when its last statement is: clients and timers it leaves open don't count.
    writeFileSync(file, `${this.swapped(source)}\n${server ? "" : "process.exit(0);\n"}`);
    const child = spawn(process.execPath, ["--import", "tsx", file], {
      cwd: this.root,
      env: this.env(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (server) {
      if (declared === undefined) throw new Error(`${block.file}:${block.line}: a server block names its port=`);
      let err = "";
      child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
      this.background.push(child);
      await waitForPort(Number(this.swaps.get(declared)), child, BLOCK_TIMEOUT_MS).catch((e: Error) => {
        throw new Error(`${block.file}:${block.line}: ${e.message}\n${err}`);
      });
      return "";
    }
    const ran = await collect(child, BLOCK_TIMEOUT_MS);
    const log = `--- stdout\n${ran.out}\n--- stderr\n${ran.err}`;
    if (ran.code !== 0) throw new Error(`${block.file}:${block.line}: exit code ${ran.code}\n${log}`);
    return log;
  }

  /** POSTs a `json` block to the page's dashboard (`post=/path`), expecting `status=` (200). */
  async post(block: DocBlock): Promise<void> {
    const path = block.directive?.options.post as string;
    await this.ensureDashboard(":8080");
    const res = await fetch((this.dashboard as { url: string }).url + path, {
      method: "POST",
      headers: { "content-type": "application/json", ...JSON.parse(block.directive?.options.headers ?? "{}") },
      body: block.code,
    });
    const want = Number(block.directive?.options.status ?? 200);
    if (res.status !== want)
      throw new Error(`${block.file}:${block.line}: POST ${path} answered ${res.status}: ${await res.text()}`);
  }

  /** Stops what the page started. */
  async close(): Promise<void> {
    const children = [...this.background, ...(this.dashboard === undefined ? [] : [this.dashboard.child])];
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once("exit", () => resolve());
            c.kill("SIGTERM");
            setTimeout(() => c.kill("SIGKILL"), 5000).unref();
          }),
      ),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}
