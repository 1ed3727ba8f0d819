import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "@dashwire/client/node";
import { CloseCode } from "@dashwire/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/io.js";
import { CLI_TEST_TIMEOUT_MS, startCli } from "./cluster-cli.js";
import { startApp } from "./helpers.js";

function captureIo(env: NodeJS.ProcessEnv = {}): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), env };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dashwire-cli-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("dashwire CLI", () => {
  it("prints help for every command", async () => {
    for (const args of [["--help"], ["start", "--help"], ["send", "--help"]]) {
      const io = captureIo();
      expect(await main(args, io)).toBe(0);
      expect(io.stdout.join("\n")).toMatch(/Usage:/);
    }
    const start = captureIo();
    await main(["start", "-h"], start);
    expect(start.stdout.join("\n")).toMatch(/DASHWIRE_PORT/);
    const unknown = captureIo();
    expect(await main(["frobnicate"], unknown)).toBe(2);
  });

  it("refuses bad options with exit code 2 and a message naming them", async () => {
    const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
      [["start", "--port", "99999"], {}, /--port: port must be 0-65535/],
      [["start", "--bogus"], {}, /Unknown option '--bogus'/],
      [["start"], { DASHWIRE_PORT: "x" }, /DASHWIRE_PORT: port must be/],
      [["start", "--api-key", "short:write"], {}, /--api-key: .*at least 8/],
      [["start", "--broker", "kafka://x"], {}, /--broker: broker must be memory/],
      [["start", "--workers", "0"], {}, /--workers: expected a positive integer/],
      [["start"], { DASHWIRE_WORKERS: "1000" }, /DASHWIRE_WORKERS: at most 256 workers/],
      [["send", "cpu"], {}, /<metric> and <value> are required/],
      [["send", "cpu", "abc"], {}, /value must be a number/],
      [["send", "cpu", "1", "host"], {}, /tags are key=value/],
    ];
    for (const [args, env, message] of cases) {
      const io = captureIo(env);
      expect(await main(args, io), args.join(" ")).toBe(2);
      expect(io.stderr.join("\n")).toMatch(message);
    }
  });

  it("reads a config file, validated with errors naming the field", async () => {
    const file = join(dir, "bad.json");
    await writeFile(file, JSON.stringify({ port: "80" }));
    const io = captureIo();
    expect(await main(["start", "--config", file], io)).toBe(2);
    expect(io.stderr.join("\n")).toMatch(/config file .*bad\.json: port: expected number/);
  });

  it("sends a point to a running server", async () => {
    await using t = await startApp({ apiKeys: [{ key: "writer-key-1", scopes: ["write"] }] });
    const ok = captureIo({ DASHWIRE_URL: t.app.url, DASHWIRE_API_KEY: "writer-key-1" });
    expect(await main(["send", "cli.temp", "21.5", "room=lab"], ok)).toBe(0);
    expect(ok.stdout[0]).toBe("stored cli.temp=21.5 room=lab");
    const stored = await t.app.store.query("cli.temp,room=lab", 0, 0, Date.now() + 10_000, 10);
    expect(stored[0]?.[5]).toBe(21.5);
    const denied = captureIo({ DASHWIRE_URL: t.app.url });
    expect(await main(["send", "cli.temp", "1"], denied)).toBe(1);
    expect(denied.stderr[0]).toMatch(/refused \(HTTP 401\): API key required/);
    const down = captureIo();
    expect(await main(["send", "x", "1", "--url", "http://127.0.0.1:1"], down)).toBe(1);
    expect(down.stderr[0]).toMatch(/cannot reach/);
  });

  it(
    "starts, prints the URL, and on SIGTERM says going away to clients and exits 0",
    async () => {
      const cli = await startCli(["start", "--port", "0", "--no-demo", "--data-dir", dir]);
      try {
        expect((await fetch(`${cli.url}/api/v1/config`)).status).toBe(200);
        const client = connect(`${cli.url.replace("http", "ws")}/dashwire`, { reconnect: false });
        // A state handler added right after connect() hears "connecting" first: wait for the end.
        const closed = new Promise<number>((resolve) =>
          client.on("state", (state, reason) => {
            if (state === "disconnected") resolve(reason.code);
          }),
        );
        await new Promise<void>((resolve) => client.on("connected", () => resolve()));
        cli.child.kill("SIGTERM");
        expect(await closed, cli.output()).toBe(CloseCode.GoingAway);
        expect(await cli.exited, cli.output()).toBe(0);
        expect(cli.output()).toMatch(/SIGTERM, shutting down/);
        expect(cli.output()).toMatch(/stopped/);
        client.close();
      } finally {
        cli.kill();
      }
    },
    CLI_TEST_TIMEOUT_MS,
  );
});
