import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { portFrom } from "../src/port.js";

const runner = fileURLToPath(new URL("../src/run.ts", import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
});

/** Starts the example runner (from source) and resolves with the URL it prints. */
function start(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const child = spawn(process.execPath, ["--import", "tsx", runner, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const url = /(http:\/\/\S+)\s/.exec(out)?.[1];
      if (url !== undefined) resolve(url);
    });
    child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

describe("example runner", () => {
  it("takes the port from --port, and serves the page there", async () => {
    const url = await start(["ticker", "--port", "0"]);
    const port = Number(new URL(url).port);
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(3001);
    expect((await fetch(url)).status).toBe(200);
  });

  it("takes the port from PORT when the command line names none", async () => {
    const url = await start(["chat"], { PORT: "0" });
    expect(Number(new URL(url).port)).not.toBe(3002);
    expect((await fetch(url)).status).toBe(200);
  });

  it("prints its usage with --help, at once, and refuses an unknown example or port with exit code 2", () => {
    const help = spawnSync(process.execPath, ["--import", "tsx", runner, "--help"], { encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/usage: npm run example:<name>/);
    expect(help.stdout).toMatch(/\$PORT/);
    const bad = spawnSync(process.execPath, ["--import", "tsx", runner, "nope"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    const badPort = spawnSync(process.execPath, ["--import", "tsx", runner, "chat", "--port", "x"], {
      encoding: "utf8",
    });
    expect(badPort.status).toBe(2);
    expect(badPort.stderr).toMatch(/port must be 0-65535, got x/);
  });
});

describe("portFrom", () => {
  it("prefers --port, then a bare number, then PORT; undefined for the default", () => {
    expect(portFrom(["--port", "4001"], { PORT: "5000" })).toBe(4001);
    expect(portFrom(["4002"], { PORT: "5000" })).toBe(4002);
    expect(portFrom([], { PORT: "5000" })).toBe(5000);
    expect(portFrom([], {})).toBeUndefined();
    expect(() => portFrom(["--port", "70000"], {})).toThrow(RangeError);
    expect(() => portFrom(["--port", "-1"], {})).toThrow(RangeError);
  });
});
