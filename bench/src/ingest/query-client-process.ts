/**
 * The query client as a process: `node query-client-process.js '<QueryClientPlan as JSON>'`.
 * Prints one JSON line, its `QueryClientResult`, and exits 0 (1 with the error on stderr).
 */
import { type QueryClientPlan, runQueryClient } from "./query-client.js";

const plan = JSON.parse(process.argv[2] ?? "{}") as QueryClientPlan;
runQueryClient(plan).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
