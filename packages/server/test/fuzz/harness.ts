import { CloseCode, ErrorCode } from "@dashwire/protocol";
import { createServer, type DashwireServer, type ServerOptionsInput } from "@dashwire/server";

/**
 * Shared plumbing of the security tests and the fuzz runner: a real server on a free port, the
 * sets of codes a client may legitimately see, and a watch on process-level failures.
 */

/** A server listening on 127.0.0.1 with its URLs. */
export interface TestServer {
  server: DashwireServer;
  port: number;
  /** WebSocket endpoint. */
  url: string;
  /** HTTP base (`http://127.0.0.1:port`). */
  http: string;
}

/** Starts a silent server on a free port. */
export async function startServer(options: ServerOptionsInput = {}): Promise<TestServer> {
  const server = createServer({ logLevel: "silent", ...options });
  const { port } = await server.listen(0, "127.0.0.1");
  return { server, port, url: `ws://127.0.0.1:${port}/dashwire`, http: `http://127.0.0.1:${port}` };
}

/** Every error code the protocol defines. */
export const KNOWN_ERROR_CODES: ReadonlySet<number> = new Set(Object.values(ErrorCode));

/** Every close code the protocol defines. */
export const KNOWN_CLOSE_CODES: ReadonlySet<number> = new Set(Object.values(CloseCode));

/** True when a server `err` or `ack.error` carries a defined code (or one of `appCodes`). */
export function isCodedError(error: unknown, appCodes: readonly number[] = []): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    typeof code === "number" && typeof message === "string" && (KNOWN_ERROR_CODES.has(code) || appCodes.includes(code))
  );
}

/** Process-level failures seen while a watch is on. */
export interface ProcessWatch {
  readonly failures: { kind: string; error: unknown }[];
  stop(): void;
}

/**
 * Records every `uncaughtException` and `unhandledRejection` until `stop()`. The test asserts the
 * list is empty: a server that lets an error escape to the process fails here even when the
 * runner would have survived it.
 */
export function watchProcess(): ProcessWatch {
  const failures: { kind: string; error: unknown }[] = [];
  const onException = (error: unknown) => failures.push({ kind: "uncaughtException", error });
  const onRejection = (error: unknown) => failures.push({ kind: "unhandledRejection", error });
  process.on("uncaughtException", onException);
  process.on("unhandledRejection", onRejection);
  return {
    failures,
    stop() {
      process.off("uncaughtException", onException);
      process.off("unhandledRejection", onRejection);
    },
  };
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Reads one sample from `/metrics`: `metric(http, 'dashwire_limit_hits_total{limit="origin"}')`.
 * Returns 0 when the series is absent (a counter never incremented).
 */
export async function metric(http: string, series: string): Promise<number> {
  const text = await (await fetch(`${http}/metrics`)).text();
  for (const line of text.split("\n")) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return 0;
}
