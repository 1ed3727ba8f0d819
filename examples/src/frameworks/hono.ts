/**
 * dashwire on Hono (Node, through @hono/node-server): the app's routes and dashwire (WebSocket,
 * SSE, long-polling, /healthz, /metrics) on one port. Run: `npm run example:hono`.
 */
import type http from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import { createClock, listenWith, type RunningExample } from "./clock.js";

/** Starts the Hono example on `port` (0: any). */
export async function startHono(port = 3005): Promise<RunningExample> {
  const clock = createClock();
  const { dashwire } = clock;
  const app = new Hono();
  app.get("/", (c) => c.json({ framework: "hono", clients: [...dashwire.clients()].length }));
  // The Node server Hono would listen on, made first so dashwire can attach to it.
  const server = createAdaptorServer({ fetch: app.fetch }) as http.Server;
  dashwire.attach(server);
  return listenWith(server, port, clock);
}
