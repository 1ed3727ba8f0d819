/**
 * The dashwire benchmark target as a process: `node dashwire-server.js <port> [host]`.
 * Prints one line when listening; closes cleanly on SIGTERM. Options come from the environment
 * (`DASHWIRE_BENCH_HISTORY`, `DASHWIRE_BENCH_REDIS`, `DASHWIRE_BENCH_PREFIX`; see dashwire-app.ts).
 */
import { createDashwireTarget, dashwireTargetOptionsFromEnv, redisBrokerFor } from "./dashwire-app.js";

const port = Number(process.argv[2] ?? 0);
const host = process.argv[3] ?? "127.0.0.1";
const options = dashwireTargetOptionsFromEnv(process.env);
const app = createDashwireTarget(options, await redisBrokerFor(options));
const bound = await app.listen(port, host);
console.log(`dashwire target listening on ${bound.host}:${bound.port}`);

const shutdown = () => {
  app.close().finally(() => process.exit(0));
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
