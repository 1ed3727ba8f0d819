import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";
import { SYSTEM_PYTHON } from "../targets/targets.js";

/** Where and with what a benchmark ran: every report carries it. */
export interface Environment {
  date: string;
  cpuModel: string;
  cores: number;
  memoryGB: number;
  kernel: string;
  node: string;
  python: string;
  /** Versions of the peers' frameworks (Debian packages and npm). */
  versions: Record<string, string>;
  commit: string;
  /** True when the working tree had uncommitted changes. */
  dirty: boolean;
  command: string;
}

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
}

function npmVersion(pkg: string): string {
  try {
    const url = new URL(`../../../node_modules/${pkg}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
  } catch {
    return "not installed";
  }
}

const DEBIAN_PACKAGES = [
  "python3-django",
  "python3-django-channels",
  "python3-daphne",
  "python3-channels-redis",
  "python3-flask-socketio",
  "python3-socketio",
  "python3-engineio",
  "python3-eventlet",
  "redis-server",
  "influxdb",
  "wrk",
];

/** Reads the machine, runtimes, peer versions and git commit. */
export function collectEnvironment(command: string): Environment {
  const versions: Record<string, string> = {};
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} syntax.
  const dpkg = run("dpkg-query", ["-W", "-f=${Package} ${Version}\\n", ...DEBIAN_PACKAGES]);
  for (const line of dpkg.split("\n")) {
    const [name, version] = line.split(" ");
    if (name && version) versions[name] = version;
  }
  for (const pkg of ["socket.io", "ws", "hdr-histogram-js"]) versions[`npm:${pkg}`] = npmVersion(pkg);
  const status = run("git", ["status", "--porcelain", "--untracked-files=no"]);
  return {
    date: new Date().toISOString(),
    cpuModel: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGB: Math.round(totalmem() / 1024 ** 3),
    kernel: release(),
    node: process.version,
    python: run(SYSTEM_PYTHON, ["--version"]) || "not found",
    versions,
    commit: run("git", ["rev-parse", "--short", "HEAD"]) || "unknown",
    dirty: status.length > 0,
    command,
  };
}
