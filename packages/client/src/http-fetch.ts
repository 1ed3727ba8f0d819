/**
 * What the HTTP transports (SSE, long-polling) share: the injectable `fetch`, the URLs derived
 * from the WebSocket endpoint, and how a refused request becomes a close code.
 */
import { CloseCode, ErrorCode } from "@dashwire/protocol";
import { DashwireClientError } from "./errors.js";
import type { FetchLike, TransportEnv } from "./transport.js";

/** Close code for failures below the protocol (refused TCP, DNS, reset): RFC 6455 §7.4.1. */
export const ABNORMAL_CLOSE = 1006;

/** The injected `fetch`, else the platform's; throws a coded error when there is none. */
export function resolveFetch(env: TransportEnv): FetchLike {
  if (env.fetch !== undefined) return env.fetch;
  const f = (globalThis as { fetch?: FetchLike }).fetch;
  if (f === undefined)
    throw new DashwireClientError(ErrorCode.InvalidField, "no fetch implementation: pass options.fetch");
  // Called unbound, browsers throw "Illegal invocation".
  return f.bind(globalThis);
}

/**
 * A failed `fetch` in words: Node's undici says only "fetch failed" and puts what happened (a
 * reset, a refused port, "other side closed") in `cause`, so the cause's code and message are
 * added. Used in the reason of a 1006 close, where it is the only clue an operator gets.
 */
export function networkFailure(error: unknown): string {
  const text = String(error);
  const cause = error instanceof Error ? (error as { cause?: unknown }).cause : undefined;
  if (!(cause instanceof Error)) return text;
  const code = (cause as { code?: unknown }).code;
  return `${text} (${typeof code === "string" ? `${code}: ` : ""}${cause.message})`;
}

/**
 * The HTTP URL of transport route `route` ("sse", "poll", "send") under the dashwire endpoint
 * `url`: `ws://host/dashwire?x=1` → `http://host/dashwire/sse?x=1`. Query parameters of the
 * endpoint (e.g. `token`) are kept; `params` are added.
 */
export function transportUrl(url: string, route: string, params?: Record<string, string>): string {
  const u = new URL(url);
  if (u.protocol === "ws:") u.protocol = "http:";
  else if (u.protocol === "wss:") u.protocol = "https:";
  u.pathname = `${u.pathname.replace(/\/+$/, "")}/${route}`;
  u.hash = "";
  if (params !== undefined) for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

/**
 * The close code and reason for a refused HTTP transport request. The server answers refusals
 * with `{"error":{"code":<CloseCode>,"message":…}}` (packages/server/src/transport/http-transports.ts).
 * A refusal without that body came from something else on the way (a proxy blocking the route):
 * it counts as a network failure (1006), so the client falls back to the next transport instead
 * of stopping for good on, say, a proxy's 403.
 */
export async function refusal(res: Response): Promise<{ code: number; reason: string }> {
  let body: { error?: { code?: unknown; message?: unknown } } | undefined;
  try {
    body = (await res.json()) as typeof body;
  } catch {
    body = undefined;
  }
  const code = body?.error?.code;
  const message = body?.error?.message;
  const reason = typeof message === "string" ? message : `HTTP ${res.status}`;
  if (typeof code === "number" && Number.isInteger(code) && code >= 1000 && code <= 4999) return { code, reason };
  if (res.status === 413) return { code: CloseCode.MessageTooBig, reason };
  return { code: ABNORMAL_CLOSE, reason };
}
