import { ErrorCode } from "@dashwire/protocol";
import { DashwireClientError } from "./errors.js";
import { createPollingTransport } from "./polling-transport.js";
import { createSseTransport } from "./sse-transport.js";
import type { TransportEnv, TransportFactory, TransportName } from "./transport.js";
import { createWebSocketTransport } from "./websocket-transport.js";

/** Every transport the client can use, by the name given in `options.transports`. */
export const transportFactories: Readonly<Record<TransportName, TransportFactory>> = {
  websocket: createWebSocketTransport,
  sse: createSseTransport,
  polling: createPollingTransport,
};

/**
 * The transports of `wanted` this platform can run, in order: WebSocket needs an injected or
 * global `WebSocket`, SSE and long-polling a `fetch`. Throws a coded error when none is left.
 */
export function usableTransports(
  env: TransportEnv & { transports: readonly TransportName[] },
): readonly TransportName[] {
  const hasWebSocket = env.WebSocket !== undefined || "WebSocket" in globalThis;
  const hasFetch = env.fetch !== undefined || typeof (globalThis as { fetch?: unknown }).fetch === "function";
  const usable = env.transports.filter((name) => (name === "websocket" ? hasWebSocket : hasFetch));
  if (usable.length > 0) return usable;
  throw new DashwireClientError(
    ErrorCode.InvalidField,
    env.transports.includes("websocket")
      ? "no WebSocket implementation: pass options.WebSocket, or import from @dashwire/client/node"
      : "no fetch implementation: pass options.fetch",
  );
}
