/**
 * dashwire on Express: the app's routes and dashwire (WebSocket, SSE, long-polling, /healthz,
 * /metrics) on one port. Run: `npm run example:express`.
 */
import http from "node:http";
import express from "express";
import { createClock, listenWith, type RunningExample } from "./clock.js";

/** Starts the Express example on `port` (0: any). */
export async function startExpress(port = 3003): Promise<RunningExample> {
  const clock = createClock();
  const { dashwire } = clock;
  const app = express();
  app.use(express.json()); // body parsing for the app's routes only: dashwire answers its own first
  app.get("/", (_req, res) => {
    res.json({ framework: "express", clients: [...dashwire.clients()].length });
  });
  const server = http.createServer(app);
  dashwire.attach(server); // /dashwire (upgrade, /sse, /poll, /send), /healthz, /metrics; the rest goes to Express
  return listenWith(server, port, clock);
}
