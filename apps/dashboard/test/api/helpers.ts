import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDashboardApp, type DashboardApp } from "../../src/app.js";
import type { QueryAnswer } from "../../src/api/query-routes.js";
import type { DashboardOptions } from "../../src/config/options.js";
import type { ApiErrorBody } from "../../src/errors.js";
import type { IngestResult } from "../../src/ingest/ingest.js";

/** A running app on a free port with its own data dir; `close()` stops it and removes the dir. */
export interface TestApp {
  app: DashboardApp;
  dataDir: string;
  url: (path: string) => string;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts the real app on port 0 (demo feed off unless asked) with a fresh data dir. */
export async function startApp(options: Partial<DashboardOptions> = {}): Promise<TestApp> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "dashwire-api-")));
  const app = await createDashboardApp({ port: 0, demo: false, logLevel: "silent", ...options, dataDir });
  const close = async () => {
    await app.close();
    if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
  };
  return { app, dataDir, url: (path) => app.url + path, close, [Symbol.asyncDispose]: close };
}

/** POSTs a body; JSON-encodes non-strings. */
export async function post<T = IngestBody>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const isText = typeof body === "string";
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": isText ? "text/plain" : "application/json", ...headers },
    body: isText ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** GETs JSON. */
export async function getJson<T>(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: (await res.json()) as T };
}

/**
 * Sends `body` (JSON-encoded unless a string) with `method`; answers the status, the headers and
 * the JSON body (undefined for an empty one).
 */
export async function send(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text === "" ? undefined : JSON.parse(text)) as unknown };
}

/** An ingest response, whichever status it came with (the fields of each are optional here). */
export type IngestBody = Partial<IngestResult> & Partial<ApiErrorBody>;

/** A query response (or an error). */
export type QueryBody = QueryAnswer & Partial<ApiErrorBody>;

/** An error response. */
export type ErrorBody = ApiErrorBody;

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
