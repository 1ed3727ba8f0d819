/**
 * A cluster primary asked to shut down while its workers are still loading (a SIGTERM right after
 * a start or a restart), run as a child process by cluster-supervisor.test.ts. Prints
 * `stopped <every worker exited 0> <ms>` and exits 0 when they all did.
 */
import { fileURLToPath } from "node:url";
import { ClusterSupervisor } from "../src/cluster/cluster-supervisor.js";

const supervisor = new ClusterSupervisor({
  workers: 2,
  exec: fileURLToPath(new URL("./slow-worker.ts", import.meta.url)),
  args: [],
  execArgv: ["--conditions=source", "--import", "tsx"],
  shutdownTimeoutMs: 30_000,
});
supervisor.on("fork", () => {
  if (supervisor.workers.every((w) => w !== undefined)) {
    const t0 = Date.now();
    supervisor.shutdown().then((ok) => {
      console.log(`stopped ${ok} ${Date.now() - t0}`);
      process.exit(ok ? 0 : 3);
    });
  }
});
supervisor.start();
