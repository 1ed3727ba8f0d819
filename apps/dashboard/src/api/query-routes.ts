/**
 * `GET /api/v1/series?match=<prefix>` lists series; `DELETE /api/v1/series?match=<selector>`
 * deletes series and all their data; `GET /api/v1/query?series=&from=&to=&step=` returns a
 * window of rollups (see `planQuery` for how the resolution and window are chosen).
 */
import type { ApiKeys } from "../auth/api-keys.js";
import { requestKey } from "../auth/api-keys.js";
import { ApiError, ApiErrorCode } from "../errors.js";
import { sendJson } from "../http/respond.js";
import { CONTROL, type Router } from "../http/router.js";
import { MAX_QUERY_POINTS, planQuery, ringsOf } from "../query/plan-query.js";
import { parseSeriesId } from "../series/series-id.js";
import type { BucketTuple, SeriesInfo, SeriesMatch, Store } from "../store/store.js";

/** What the query routes need. */
export interface QueryRoutesDeps {
  store: Store;
  keys: ApiKeys;
  /** Clock (ms); replaceable in tests. */
  now: () => number;
  /** Called after series were deleted (the live publisher forgets them). */
  onDeleted?: (match: SeriesMatch, count: number) => void;
}

/** The answer of `GET /api/v1/series`: at most `MAX_SERIES_LISTED`, `truncated` when there are more. */
export interface SeriesListAnswer {
  series: SeriesInfo[];
  truncated?: true;
}

/** The answer of `DELETE /api/v1/series`: how many series went, with all their data. */
export interface SeriesDeleteAnswer {
  deleted: number;
}

/** The answer of `GET /api/v1/query`: the window served (`from` ≤ t < `to`) at `step` ms a bucket. */
export interface QueryAnswer {
  series: string;
  step: number;
  from: number;
  to: number;
  /** Non-empty buckets, ascending: `[t, count, sum, min, max, last]`, t = bucket start in ms. */
  points: BucketTuple[];
}

/** Default window when `from` is not given: 5 minutes. */
export const DEFAULT_WINDOW_MS = 300_000;
/** Most series one `/series` call lists. */
export const MAX_SERIES_LISTED = 1000;
/** Longest `match` accepted, bytes. */
const MAX_MATCH_BYTES = 1024;

/**
 * Reads an integer parameter (ms by default: `what` names the unit in the error); undefined when
 * absent, 400 when not a number or below `min`.
 */
export function msParam(
  query: URLSearchParams,
  name: string,
  min: number,
  what = "a number of ms",
): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === "") return undefined;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min)
    throw new ApiError(400, ApiErrorCode.InvalidField, `${name}: expected ${what}${min > 0 ? " > 0" : ""}`);
  return Math.floor(v);
}

/**
 * The selector of `DELETE /api/v1/series`: `match=<series id>` selects that series exactly;
 * `match=<prefix>*` every series whose id starts with the prefix (`match=*`: all of them).
 */
export function parseDeleteMatch(raw: string | null): SeriesMatch {
  if (raw === null || raw === "")
    throw new ApiError(400, ApiErrorCode.InvalidField, "match: required (a series id, or a prefix ending in *)");
  checkMatch(raw);
  return raw.endsWith("*") ? { prefix: raw.slice(0, -1) } : { exact: raw };
}

/**
 * Throws a 400 for a `match` no series id can start with: too long, or holding a control
 * character (ids never do; a NUL one reached PostgreSQL, whose text refuses it: a 500).
 */
function checkMatch(match: string): void {
  if (Buffer.byteLength(match) > MAX_MATCH_BYTES)
    throw new ApiError(400, ApiErrorCode.InvalidField, `match: longer than ${MAX_MATCH_BYTES} bytes`);
  if (CONTROL.test(match))
    throw new ApiError(400, ApiErrorCode.InvalidField, "match: must not contain control characters");
}

/** Registers the series and query routes. */
export function queryRoutes(router: Router, deps: QueryRoutesDeps): void {
  const { store } = deps;
  const rings = ringsOf(store.resolutions);

  router.add("GET", "/api/v1/series", async (req, res, { query }) => {
    deps.keys.require(requestKey(req), "read");
    const match = query.get("match") ?? "";
    checkMatch(match);
    const found = await store.listSeries({ prefix: match }, MAX_SERIES_LISTED + 1);
    const truncated = found.length > MAX_SERIES_LISTED;
    const series = truncated ? found.slice(0, MAX_SERIES_LISTED) : found;
    sendJson(res, 200, (truncated ? { series, truncated } : { series }) satisfies SeriesListAnswer);
  });

  router.add("DELETE", "/api/v1/series", async (req, res, { query }) => {
    deps.keys.require(requestKey(req), "admin");
    const match = parseDeleteMatch(query.get("match"));
    const deleted = await store.deleteSeries(match);
    deps.onDeleted?.(match, deleted);
    sendJson(res, 200, { deleted } satisfies SeriesDeleteAnswer);
  });

  router.add("GET", "/api/v1/query", async (req, res, { query }) => {
    deps.keys.require(requestKey(req), "read");
    const id = query.get("series");
    if (id === null || id === "") throw new ApiError(400, ApiErrorCode.InvalidField, "series: required");
    if (parseSeriesId(id) === undefined)
      throw new ApiError(400, ApiErrorCode.InvalidField, "series: not a series id (name,tag=value with tags sorted)");
    const now = deps.now();
    const to = msParam(query, "to", 0) ?? now;
    const from = msParam(query, "from", 0) ?? to - DEFAULT_WINDOW_MS;
    const step = msParam(query, "step", 1);
    if (from >= to) throw new ApiError(400, ApiErrorCode.InvalidField, "from: must be before to");
    // A second is served once it has ended: `closedUntil` is the start of the current one.
    const closedUntil = Math.floor(now / 1000) * 1000;
    const plan = planQuery(rings, { from, to, step }, now, closedUntil, MAX_QUERY_POINTS);
    const points =
      plan.to > plan.from
        ? await store.query(id, plan.ring, plan.from, plan.to, Math.ceil((plan.to - plan.from) / plan.step) + 1)
        : [];
    sendJson(res, 200, { series: id, step: plan.step, from: plan.from, to: plan.to, points } satisfies QueryAnswer);
  });
}
