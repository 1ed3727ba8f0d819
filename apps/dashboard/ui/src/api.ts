/**
 * The dashboard API as the UI calls it. The API's shapes come from the server's modules, as
 * types only (`import type` is erased from the bundle: no zod, no Node): the zod schema's types
 * for what the API accepts, and the answer types of the routes that produce the rest. A change
 * on the server that breaks the UI fails the UI's type check.
 */
import type { AuthInfo } from "../../src/api/auth-routes.js";
import type { DashboardListAnswer } from "../../src/api/dashboard-routes.js";
import type { UiConfig } from "../../src/api/info-routes.js";
import type { QueryAnswer, SeriesListAnswer } from "../../src/api/query-routes.js";
import type { QueryManyAnswer } from "../../src/query/query-answer.js";
import type { TagValuesAnswer } from "../../src/api/tag-routes.js";
import type { AlertHistoryAnswer } from "../../src/alerts/alert-routes.js";
import type { AlertEntry, AlertEvent, AlertListAnswer, AlertRuleInput } from "../../src/alerts/alert-rule-schema.js";
import type { Annotation, AnnotationEvent, AnnotationListAnswer } from "../../src/annotations/annotation-schema.js";
import type { Dashboard, GridPos, Panel, Threshold, Variable } from "../../src/dashboards/dashboard-schema.js";
import type { ApiErrorBody, FieldIssue } from "../../src/errors.js";
import type { SeriesInfo } from "../../src/store/store.js";
import { signInNeeded, storedKey } from "./auth/credentials.js";

export type { FieldIssue };
export type {
  AlertEntry,
  AlertEvent,
  AlertHistoryAnswer,
  AlertRuleInput,
  Annotation,
  AnnotationEvent,
  AuthInfo,
  Dashboard,
  GridPos,
  Panel,
  QueryAnswer,
  QueryManyAnswer,
  SeriesInfo,
  TagValuesAnswer,
  Threshold,
  UiConfig,
  Variable,
};

/** An API call that failed: the HTTP status and the server's coded error, when it sent one. */
export class ApiError extends Error {
  /** HTTP status (0 when the request never got an answer). */
  readonly status: number;
  /** The server's stable error code, or 0. */
  readonly code: number;
  /** Every field at fault, when the server listed them (a body that failed validation). */
  readonly fields: FieldIssue[];
  constructor(status: number, code: number, message: string, fields: FieldIssue[] = []) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fields = fields;
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
    // Whatever answered (the server, or a proxy in front of it) may not have sent an `ApiErrorBody`.
    const e: Partial<ApiErrorBody["error"]> | undefined = (json as Partial<ApiErrorBody> | null)?.error;
    const code = typeof e?.code === "number" ? e.code : 0;
    const message = typeof e?.message === "string" ? e.message : `${method} ${path}: HTTP ${res.status}`;
    const fields = Array.isArray(e?.fields) ? e.fields : [];
    const err = new ApiError(res.status, code, message, fields);
    if (res.status === 401 && !opts.own401) signInNeeded(err.message);
    throw err;
  }
  opts.onHeaders?.(res.headers);
  return json as T;
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

/** Lists dashboards. */
export async function listDashboards(): Promise<Dashboard[]> {
  const r = await request<DashboardListAnswer | null>("GET", "/dashboards");
  return r?.dashboards ?? [];
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

/**
 * Creates a dashboard from any body (an import, a copy): the server validates it (a 400 lists
 * every field at fault) and makes an id from the title when the body has none.
 */
export function createDashboard(body: unknown): Promise<Dashboard> {
  return request<Dashboard>("POST", "/dashboards", body);
}

/** Deletes a dashboard (conditionally with `etag`, as `saveDashboard`). */
export async function deleteDashboard(id: string, etag = ""): Promise<void> {
  const headers: Record<string, string> = etag === "" ? {} : { "if-match": etag };
  await request<unknown>("DELETE", `/dashboards/${encodeURIComponent(id)}`, undefined, { headers });
}

/** Lists series whose id starts with `match` (all when empty). */
export async function listSeries(match = ""): Promise<SeriesInfo[]> {
  const q = match ? `?match=${encodeURIComponent(match)}` : "";
  const r = await request<SeriesListAnswer | null>("GET", `/series${q}`);
  return r?.series ?? [];
}

/**
 * Reads the rolled-up window `[from, to]` of several series in one request (`POST`: the ids do
 * not fit a URL); `live/query-batch.ts` gathers the feeds' one-series reads into it.
 */
export function queryMany(
  series: string[],
  from: number,
  to: number,
  step: number,
  signal?: AbortSignal,
): Promise<QueryManyAnswer> {
  return request<QueryManyAnswer>("POST", "/query", { series, from, to, step }, { signal });
}

/** The values tag `key` takes among the series whose id starts with `match`. */
export function tagValues(key: string, match = "", signal?: AbortSignal): Promise<TagValuesAnswer> {
  const q = match ? `?match=${encodeURIComponent(match)}` : "";
  return request<TagValuesAnswer>("GET", `/tags/${encodeURIComponent(key)}/values${q}`, undefined, { signal });
}

/** Every alert rule with its version and state. */
export async function listAlerts(signal?: AbortSignal): Promise<AlertEntry[]> {
  const r = await request<AlertListAnswer | null>("GET", "/alerts", undefined, { signal });
  return r?.alerts ?? [];
}

/** Reads one alert rule with its `ETag` (for a conditional write). */
export async function getAlertVersioned(id: string): Promise<{ rule: AlertRuleInput; etag: string }> {
  let etag = "";
  const rule = await request<AlertRuleInput>("GET", `/alerts/${encodeURIComponent(id)}`, undefined, {
    onHeaders: (h) => {
      etag = h.get("etag") ?? "";
    },
  });
  return { rule, etag };
}

/**
 * Creates (POST, `id` null: the server makes one from the title) or replaces (PUT with
 * `If-Match` when `etag` is given: `STALE_WRITE` when another write came first) an alert rule.
 */
export function saveAlert(
  rule: AlertRuleInput | Omit<AlertRuleInput, "id">,
  id: string | null,
  etag = "",
): Promise<AlertRuleInput> {
  if (id === null) return request<AlertRuleInput>("POST", "/alerts", rule);
  const headers: Record<string, string> = etag === "" ? {} : { "if-match": etag };
  return request<AlertRuleInput>("PUT", `/alerts/${encodeURIComponent(id)}`, rule, { headers });
}

/** Deletes an alert rule (conditionally with `etag`). */
export async function deleteAlert(id: string, etag = ""): Promise<void> {
  const headers: Record<string, string> = etag === "" ? {} : { "if-match": etag };
  await request<unknown>("DELETE", `/alerts/${encodeURIComponent(id)}`, undefined, { headers });
}

/** One page of alert transitions, newest first: `before` is the `next` of the page before. */
export function alertHistory(
  opts: { rule?: string; before?: number; limit?: number } = {},
): Promise<AlertHistoryAnswer> {
  const q = new URLSearchParams();
  if (opts.rule) q.set("rule", opts.rule);
  if (opts.before !== undefined) q.set("before", String(opts.before));
  q.set("limit", String(opts.limit ?? 50));
  return request<AlertHistoryAnswer>("GET", `/alerts/history?${q}`);
}

/** Annotations overlapping `[from, to)` shown on dashboard `dashboard` (its own and the global ones). */
export function listAnnotations(
  from: number,
  to: number,
  dashboard: string,
  signal?: AbortSignal,
): Promise<AnnotationListAnswer> {
  const q = new URLSearchParams({ from: String(from), to: String(to), dashboard, limit: "1000" });
  return request<AnnotationListAnswer>("GET", `/annotations?${q}`, undefined, { signal });
}
