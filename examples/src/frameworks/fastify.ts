/**
 * dashwire on Fastify: the app's routes and dashwire (WebSocket, SSE, long-polling, /healthz,
 * /metrics) on one port. Run: `npm run example:fastify`.
 */
import Fastify from "fastify";
import { createClock, type RunningExample } from "./clock.js";

/** Starts the Fastify example on `port` (0: any). */
export async function startFastify(port = 3004): Promise<RunningExample> {
  const { dashwire, stop } = createClock();
  const app = Fastify();
  app.get("/", async () => ({ framework: "fastify", clients: [...dashwire.clients()].length }));
  // Fastify's own server: dashwire answers its routes before Fastify's router sees them.
  dashwire.attach(app.server);
  await app.listen({ port, host: "127.0.0.1" });
  return {
    port: (app.server.address() as { port: number }).port,
    dashwire,
    close: async () => {
      stop();
      await dashwire.close();
      await app.close();
    },
  };
}
