/**
 * A cluster worker that takes a while to load (as a worker importing a whole app from source
 * does) before it listens for the primary's shutdown: used by slow-worker-primary.ts.
 */
import { onShutdownRequest } from "../src/cluster/cluster-supervisor.js";

// Module loading: event-loop turns pass, and with them any IPC message that came meanwhile.
await new Promise((resolve) => setTimeout(resolve, 1500));
onShutdownRequest(() => process.exit(0));
// Never told: exit on its own, non-zero, long before the primary's kill timeout.
setTimeout(() => process.exit(5), 10_000);
