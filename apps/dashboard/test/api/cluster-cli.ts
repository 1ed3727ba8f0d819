/**
 * The `dashwire` CLI as a child process, run from source (fixtures/run-cli.ts) the way an
 * operator runs the bin: started, read until it prints its URL, signalled, awaited.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const runner = fileURLToPath(new URL("./fixtures/run-cli.ts", import.meta.url));

/**
 * How long `startCli` waits for the URL before it gives up: a guard against a hung start, not a
 * speed target. Starting the primary and its workers from source (tsx) is CPU work that took
 * 40-60 s on this 2-core machine when the whole team's suites ran at once (load average 30).
 */
export const CLI_START_TIMEOUT_MS = 90_000;

/** Timeout of a test (or hook) that starts the CLI: its start guard plus the test's own work. */
export const CLI_TEST_TIMEOUT_MS = CLI_START_TIMEOUT_MS + 30_000;

/** A running `dashwire` process. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** Base URL from the "listening on" line. */
  readonly url: string;
  /** Everything it printed so far (stdout and stderr, workers included). */
  output(): string;
  /** Resolves with the exit code (null when a signal ended it) once the process is gone. */
  readonly exited: Promise<number | null>;
  /** Kills it and its workers (SIGKILL), if still running. */
  kill(): void;
}

/**
 * Starts `dashwire <args>` (logs silent unless `env` says otherwise) and resolves once it printed
 * its URL; rejects with its output when it exits first or prints nothing within `timeoutMs`.
 */
export function startCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = CLI_START_TIMEOUT_MS,
): Promise<CliProcess> {
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", runner, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, DASHWIRE_LOG_LEVEL: "silent", ...env },
  });
  let out = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const kill = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const pids = workerPids(child.pid as number);
    child.kill("SIGKILL");
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
  };
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      kill();
      reject(new Error(`dashwire ${args.join(" ")}: ${why}\n${out}`));
    };
    const timer = setTimeout(() => fail(`no URL within ${timeoutMs} ms`), timeoutMs);
    const early = (code: number | null) => fail(`exited (${code}) before listening`);
    child.once("exit", early);
    child.stderr?.on("data", (c: Buffer) => (out += c.toString()));
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      const url = /listening on (https?:\/\/\S+)/.exec(out)?.[1];
      if (url === undefined) return;
      clearTimeout(timer);
      child.removeListener("exit", early);
      resolve({ child, url, output: () => out, exited, kill });
    });
  });
}

/** Starts `dashwire start --workers <n> --port 0 --no-demo` on `dataDir`; resolves once all listen. */
export function startCluster(workers: number, dataDir: string): Promise<CliProcess> {
  return startCli(["start", "--workers", String(workers), "--port", "0", "--no-demo"], {
    DASHWIRE_DATA_DIR: dataDir,
  });
}

/** Worker pids of the primary: its child processes running the CLI (not tsx's esbuild). */
export function workerPids(primary: number): number[] {
  try {
    return execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(primary)], { encoding: "utf8" })
      .split("\n")
      .filter((l) => l.includes("run-cli"))
      .map((l) => Number.parseInt(l.trim(), 10))
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}
