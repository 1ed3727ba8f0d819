/**
 * The dashwire side shared by the framework examples: a server with one topic, `clock`, that
 * gets the time every second, and an `echo` event whose reply is the ack.
 */
import type http from "node:http";
import { createServer, type DashwireServer } from "@dashwire/server";

/** A running clock: the dashwire server and a function that stops the ticks. */
export interface Clock {
  dashwire: DashwireServer;
  stop(): void;
}

/** Creates the dashwire server of an example (not yet mounted on any HTTP server). */
export function createClock(tickMs = 1000): Clock {
  const dashwire = createServer({ logLevel: "warn" });
  dashwire.topic("clock", { history: { size: 100 } });
  dashwire.on("echo", (data: unknown) => data);
  const timer = setInterval(() => {
    dashwire.publish("clock", { now: new Date().toISOString() }).catch(() => {});
  }, tickMs);
  return { dashwire, stop: () => clearInterval(timer) };
}

/** What each framework example's `start` resolves with. */
export interface RunningExample {
  port: number;
  /** The dashwire server, to publish from server code. */
  dashwire: DashwireServer;
  close(): Promise<void>;
}

/** Listens on `port` (127.0.0.1) with `server`, which the clock's dashwire is attached to. */
export async function listenWith(server: http.Server, port: number, clock: Clock): Promise<RunningExample> {
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    dashwire: clock.dashwire,
    close: async () => {
      clock.stop();
      await clock.dashwire.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
