import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const runner = fileURLToPath(new URL("./fixtures/run-cli.ts", import.meta.url));

/** A `dashwire start --workers N` primary run by a test. */
export interface TestCluster {
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Kills the primary and its workers (SIGKILL), if still running. */
  kill(): void;
}

/** Starts `dashwire start --workers <n> --port 0 --no-demo` on `dataDir` (logs silent). */
export function startCluster(workers: number, dataDir: string): TestCluster {
  const child = spawn(
    process.execPath,
    [
      "--conditions=source",
      "--import",
      "tsx",
      runner,
      "start",
      "--workers",
      String(workers),
      "--port",
      "0",
      "--no-demo",
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, DASHWIRE_LOG_LEVEL: "silent", DASHWIRE_DATA_DIR: dataDir },
    },
  );
  let out = "";
  child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (out += c.toString()));
  return {
    child,
    output: () => out,
    kill() {
      if (child.exitCode !== null) return;
      const pids = workerPids(child.pid as number);
      child.kill("SIGKILL");
      for (const pid of pids) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {}
      }
    },
  };
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
