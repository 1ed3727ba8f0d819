/**
 * A cluster primary whose worker dies without the primary noticing (yet), run as a child process
 * by cluster-supervisor.test.ts: an unhandled error here crashes this process, as it would crash
 * `dashwire start`, and the test sees the exit code.
 *
 *   node --conditions=source --import tsx dead-worker-primary.ts <broadcast|direct|shutdown>
 *
 * Worker 0 (dead-worker.mjs) exits when told; the primary blocks its event loop until that worker
 * is a zombie (dead, not yet reaped, its channel still "connected" here) and then, with
 * `broadcast`, sends to every worker before shutting down, with `direct` sends to the dead one
 * with `Worker.send` itself, or, with `shutdown`, shuts down at once. Prints `stopped true` and exits 0 when the shutdown saw every worker exit 0.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ClusterSupervisor } from "../src/cluster/cluster-supervisor.js";

const mode = process.argv[2];
/**
 * True once `pid` is a zombie whose every thread is gone: dead, its end of the channel closed, not
 * yet reaped. (The main thread turns "Z" while other threads may still hold the open files.)
 */
const dead = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.split(") ")[1]?.[0] === "Z" && readdirSync(`/proc/${pid}/task`).length === 1;
  } catch {
    return false;
  }
};
const supervisor = new ClusterSupervisor({
  workers: 2,
  exec: fileURLToPath(new URL("./dead-worker.mjs", import.meta.url)),
  args: [],
  execArgv: [],
  shutdownTimeoutMs: 20_000,
});
let ready = 0;
supervisor.on("message", (_index, _worker, m) => {
  if ((m as { k?: string }).k !== "ready" || ++ready !== 2) return;
  const victim = supervisor.workers[0];
  const pid = victim?.process.pid as number;
  // Once the message is out and the channel idle (a write still in progress would queue the
  // next one and report its failure later, quietly)…
  victim?.send({ k: "die" }, undefined, () => setImmediate(whenDead, pid));
});
/** Blocks (no event loop turn: no SIGCHLD handling, no channel EOF read) until `pid` is dead. */
const whenDead = (pid: number) => {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const end = Date.now() + 20_000;
  while (!dead(pid)) {
    if (Date.now() > end) {
      console.log("worker 0 did not die");
      process.exit(4);
    }
    Atomics.wait(pause, 0, 0, 5);
  }
  if (mode === "broadcast") supervisor.broadcast({ k: "hello" });
  // The app's own sends (`worker.send` without a callback) fail as an `error` event on the worker.
  if (mode === "direct") supervisor.workers[0]?.send({ k: "hello" });
  supervisor.shutdown().then((ok) => {
    console.log(`stopped ${ok}`);
    process.exit(ok ? 0 : 3);
  });
};
supervisor.start();
