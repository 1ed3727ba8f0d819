/**
 * `GET /api/v1/series?match=<prefix>` lists series; `DELETE /api/v1/series?match=<selector>`
 * deletes series and all their data; `GET /api/v1/query?series=&from=&to=&step=` returns a
 * window of rollups (see `planQuery` for how the resolution and window are chosen), and
 * `POST /api/v1/query` the same window of several series in one answer (`query-request.ts`).
 */
import type { ApiKeys } from "../auth/api-keys.js";
import { requestKey } from "../auth/api-keys.js";
import { ApiError, ApiErrorCode } from "../errors.js";
import { parseJsonBody, readBody } from "../http/read-body.js";
import { requireJson } from "../http/request-guard.js";
import { sendJson, sendJsonText } from "../http/respond.js";
import { CONTROL, type Router } from "../http/router.js";
import { MAX_QUERY_POINTS, planQuery, type QueryPlan, type RingShape, ringsOf } from "../query/plan-query.js";
import { encodeQueryAnswer } from "../query/query-answer.js";
import { queryManyLimits, queryManySchema } from "../query/query-request.js";
import { parseSeriesId } from "../series/series-id.js";
import type { BucketTuple, SeriesInfo, SeriesMatch, Store } from "../store/store.js";
import { zodIssues, zodMessage } from "../zod-message.js";

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

/**
 * The window a query serves (`planQuery`) for the asked `from`, `to` (ms, defaults: the last
 * `DEFAULT_WINDOW_MS` before now) and `step`, at most `maxPoints` buckets a series.
 */
function planWindow(
  rings: readonly RingShape[],
  now: number,
  asked: { from?: number | undefined; to?: number | undefined; step?: number | undefined },
  maxPoints: number,
): QueryPlan {
  const to = asked.to ?? now;
  const from = asked.from ?? to - DEFAULT_WINDOW_MS;
  if (from >= to) throw new ApiError(400, ApiErrorCode.InvalidField, "from: must be before to");
  // A second is served once it has ended: `closedUntil` is the start of the current one.
  const closedUntil = Math.floor(now / 1000) * 1000;
  return planQuery(rings, { from, to, step: asked.step }, now, closedUntil, maxPoints);
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
    const plan = planWindow(
      rings,
      deps.now(),
      { from: msParam(query, "from", 0), to: msParam(query, "to", 0), step: msParam(query, "step", 1) },
      MAX_QUERY_POINTS,
    );
    const points =
      plan.to > plan.from
        ? await store.query(id, plan.ring, plan.from, plan.to, Math.ceil((plan.to - plan.from) / plan.step) + 1)
        : [];
    sendJson(res, 200, { series: id, step: plan.step, from: plan.from, to: plan.to, points } satisfies QueryAnswer);
  });

  router.add("POST", "/api/v1/query", async (req, res) => {
    deps.keys.require(requestKey(req), "read");
    requireJson(req);
    const parsed = queryManySchema.safeParse(parseJsonBody(await readBody(req, queryManyLimits.maxBodyBytes)));
    if (!parsed.success)
      throw new ApiError(400, ApiErrorCode.InvalidField, zodMessage(parsed.error), zodIssues(parsed.error));
    const asked = parsed.data;
    // The answer's bound: each series gets an equal share of `maxBuckets` (at most 5000, as alone).
    const perSeries = Math.min(MAX_QUERY_POINTS, Math.floor(queryManyLimits.maxBuckets / asked.series.length));
    const plan = planWindow(rings, deps.now(), asked, perSeries);
    const limit = Math.ceil((plan.to - plan.from) / plan.step) + 1;
    const points =
      plan.to > plan.from
        ? await store.queryText(asked.series, plan.ring, plan.from, plan.to, limit)
        : asked.series.map(() => "[]");
    sendJsonText(res, 200, encodeQueryAnswer(plan, asked.series, points));
  });
}
