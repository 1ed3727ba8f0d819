/**
 * `GET /api/v1/series?match=<prefix>` lists series; `GET /api/v1/query?series=&from=&to=&step=`
 * returns a window of rollups (see `planQuery` for how the ring and window are chosen).
 */
import type { ApiKeys } from "../auth/api-keys.js";
import { requestKey } from "../auth/api-keys.js";
import { ApiError, ApiErrorCode } from "../errors.js";
import { sendJson } from "../http/respond.js";
import type { Router } from "../http/router.js";
import { MAX_QUERY_POINTS, planQuery, runQuery } from "../rollup/query.js";
import type { SeriesStore } from "../rollup/series-store.js";
import { parseSeriesId } from "../series/series-id.js";

/** What the query routes need. */
export interface QueryRoutesDeps {
  store: SeriesStore;
  keys: ApiKeys;
}

/** Default window when `from` is not given: 5 minutes. */
export const DEFAULT_WINDOW_MS = 300_000;
/** Most series one `/series` call lists. */
export const MAX_SERIES_LISTED = 1000;

/** Reads an integer parameter in ms; undefined when absent, 400 when not a number. */
function msParam(query: URLSearchParams, name: string, min: number): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === "") return undefined;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min)
    throw new ApiError(400, ApiErrorCode.InvalidField, `${name}: expected a number of ms${min > 0 ? " > 0" : ""}`);
  return Math.floor(v);
}

/** Registers the series and query routes. */
export function queryRoutes(router: Router, deps: QueryRoutesDeps): void {
  router.add("GET", "/api/v1/series", (req, res, { query }) => {
    deps.keys.require(requestKey(req), "read");
    const match = query.get("match") ?? "";
    const found = deps.store.list(match, MAX_SERIES_LISTED + 1);
    const truncated = found.length > MAX_SERIES_LISTED;
    const series = (truncated ? found.slice(0, MAX_SERIES_LISTED) : found).map((s) => ({
      id: s.id,
      name: s.name,
      tags: s.tags,
    }));
    sendJson(res, 200, truncated ? { series, truncated } : { series });
  });

  router.add("GET", "/api/v1/query", (req, res, { query }) => {
    deps.keys.require(requestKey(req), "read");
    const id = query.get("series");
    if (id === null || id === "") throw new ApiError(400, ApiErrorCode.InvalidField, "series: required");
    if (parseSeriesId(id) === undefined)
      throw new ApiError(400, ApiErrorCode.InvalidField, "series: not a series id (name,tag=value with tags sorted)");
    const now = deps.store.options.now();
    const to = msParam(query, "to", 0) ?? now;
    const from = msParam(query, "from", 0) ?? to - DEFAULT_WINDOW_MS;
    const step = msParam(query, "step", 1);
    if (from >= to) throw new ApiError(400, ApiErrorCode.InvalidField, "from: must be before to");
    const plan = planQuery(
      deps.store.options.rings,
      { from, to, step },
      now,
      deps.store.closedUntilMs,
      MAX_QUERY_POINTS,
    );
    const series = deps.store.get(id);
    const points = series === undefined ? [] : runQuery(series.rings, plan);
    sendJson(res, 200, { series: id, step: plan.step, from: plan.from, to: plan.to, points });
  });
}
