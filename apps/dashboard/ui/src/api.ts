import { signInNeeded, storedKey } from "./auth/credentials.js";

/** Panel kinds a dashboard can hold (see the dashboard contract). */
export type PanelKind = "timeseries" | "stat" | "gauge" | "table" | "online";

/** All panel kinds, in the order the editor offers them. */
export const PANEL_KINDS: readonly PanelKind[] = ["timeseries", "stat", "gauge", "table", "online"];

/** A colour step: values at or above `value` take `color`. */
export interface Threshold {
  value: number;
  color: string;
}

/** One panel of a dashboard, as stored by `/api/v1/dashboards`. */
export interface PanelDef {
  id: string;
  kind: PanelKind;
  title: string;
  series: string[];
  windowSec?: number;
  maxRate?: number;
  thresholds?: Threshold[];
  min?: number;
  max?: number;
  unit?: string;
}

/** A dashboard definition. */
export interface Dashboard {
  id: string;
  title: string;
  panels: PanelDef[];
}

/** A known series. */
export interface SeriesInfo {
  id: string;
  name: string;
  tags: Record<string, string>;
}

/** A rolled-up bucket: `[t, count, sum, min, max, last]`, t = bucket start in ms. */
export type QueryPoint = [number, number, number, number, number, number];

/** Reply of `/api/v1/query`. */
export interface QueryResult {
  series: string;
  step: number;
  points: QueryPoint[];
}

/** What the UI needs to connect (`/api/v1/config`). */
export interface UiConfig {
  wsPath: string;
  version?: string;
}

/** An API call that failed: the HTTP status and the server's coded error, when it sent one. */
export class ApiError extends Error {
  /** HTTP status (0 when the request never got an answer). */
  readonly status: number;
  /** The server's stable error code, or 0. */
  readonly code: number;
  constructor(status: number, code: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

const BASE = "api/v1";

function url(path: string): string {
  // Relative to the page so the app also works when mounted under a path prefix.
  return new URL(`${BASE}${path}`, document.baseURI).toString();
}

/** Options of one API call. */
interface RequestOptions {
  signal?: AbortSignal;
  /** The key to send (default: the signed-in one). */
  key?: string | null;
  /** A 401 is the caller's business (the sign-in checking a key), not a reason to sign in again. */
  own401?: boolean;
  /** Extra request headers (e.g. `if-match`). */
  headers?: Record<string, string>;
  /** Called with the answer's headers when it succeeded (e.g. to read its `etag`). */
  onHeaders?: (headers: Headers) => void;
}

async function request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
  const { signal } = opts;
  const headers: Record<string, string> = { ...opts.headers };
  if (body !== undefined) headers["content-type"] = "application/json";
  const key = opts.key === undefined ? storedKey() : opts.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  let res: Response;
  try {
    res = await fetch(url(path), {
      method,
      signal,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(0, 0, `network error: ${(err as Error).message}`);
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: number; message?: string } } | null)?.error;
    const err = new ApiError(res.status, e?.code ?? 0, e?.message ?? `${method} ${path}: HTTP ${res.status}`);
    if (res.status === 401 && !opts.own401) signInNeeded(err.message);
    throw err;
  }
  opts.onHeaders?.(res.headers);
  return json as T;
}

/** What `GET /api/v1/auth` says about a key (or no key). */
export interface AuthInfo {
  /** API keys are configured on the server. */
  keys: boolean;
  /** Scopes of the key sent (empty without one). */
  scopes: string[];
  /** Reads need a key. */
  readNeedsKey: boolean;
}

/**
 * Checks credentials: `key` (null: none; default: the signed-in one). Rejects with a 401 or 403
 * `ApiError` when they do not allow reading dashboards.
 */
export function getAuth(key?: string | null): Promise<AuthInfo> {
  return request<AuthInfo>("GET", "/auth", undefined, { key, own401: true });
}

/** Reads the UI configuration (a 401 is the caller's: the config may be private, the app not). */
export function getConfig(): Promise<UiConfig> {
  return request<UiConfig>("GET", "/config", undefined, { own401: true });
}

/** Lists dashboards (accepts a bare array or `{ dashboards }`). */
export async function listDashboards(): Promise<Dashboard[]> {
  const r = await request<Dashboard[] | { dashboards: Dashboard[] }>("GET", "/dashboards");
  return Array.isArray(r) ? r : (r?.dashboards ?? []);
}

/** Reads one dashboard. */
export function getDashboard(id: string): Promise<Dashboard> {
  return request<Dashboard>("GET", `/dashboards/${encodeURIComponent(id)}`);
}

/** A dashboard and its version (`ETag`), for an editor that writes it back with `If-Match`. */
export interface VersionedDashboard {
  dashboard: Dashboard;
  /** The `ETag` the server sent ("" when none). */
  etag: string;
}

/** The HTTP status of a write refused because the dashboard changed since it was read. */
export const STALE_WRITE = 412;

/** Reads one dashboard with its `ETag`. */
export async function getDashboardVersioned(id: string): Promise<VersionedDashboard> {
  let etag = "";
  const dashboard = await request<Dashboard>("GET", `/dashboards/${encodeURIComponent(id)}`, undefined, {
    onHeaders: (h) => {
      etag = h.get("etag") ?? "";
    },
  });
  return { dashboard, etag };
}

/**
 * Creates (POST) or replaces (PUT) a dashboard; returns what the server stored. With `etag` the
 * write is conditional (`If-Match`): it fails with `STALE_WRITE` when another write came first.
 */
export async function saveDashboard(d: Dashboard, isNew: boolean, etag = ""): Promise<Dashboard> {
  const headers: Record<string, string> = etag === "" ? {} : { "if-match": etag };
  const r = isNew
    ? await request<Dashboard | null>("POST", "/dashboards", d)
    : await request<Dashboard | null>("PUT", `/dashboards/${encodeURIComponent(d.id)}`, d, { headers });
  return r && typeof r === "object" && "id" in r ? r : d;
}

/** Deletes a dashboard (conditionally with `etag`, as `saveDashboard`). */
export async function deleteDashboard(id: string, etag = ""): Promise<void> {
  const headers: Record<string, string> = etag === "" ? {} : { "if-match": etag };
  await request<unknown>("DELETE", `/dashboards/${encodeURIComponent(id)}`, undefined, { headers });
}

/** Lists series whose id starts with `match` (all when empty). */
export async function listSeries(match = ""): Promise<SeriesInfo[]> {
  const q = match ? `?match=${encodeURIComponent(match)}` : "";
  const r = await request<{ series: SeriesInfo[] }>("GET", `/series${q}`);
  return r?.series ?? [];
}

/** Reads the rolled-up window `[from, to]` of one series. */
export function query(
  series: string,
  from: number,
  to: number,
  step: number,
  signal?: AbortSignal,
): Promise<QueryResult> {
  const q = new URLSearchParams({ series, from: String(from), to: String(to), step: String(step) });
  return request<QueryResult>("GET", `/query?${q}`, undefined, { signal });
}
