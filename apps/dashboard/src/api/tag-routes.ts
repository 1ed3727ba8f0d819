/**
 * `GET /api/v1/tags/:key/values?match=<prefix>`: the values tag `key` takes among the series
 * whose id starts with `match` (all series when empty), sorted, each once. What a dashboard's
 * variables offer (`$host` from the `host` tags of `cpu.usage,…`). Bounded: the series read
 * (`MAX_TAG_SERIES_SCANNED`) and the values answered (`MAX_TAG_VALUES`); past either, the answer
 * says `truncated`.
 */
import { requestKey } from "../auth/api-keys.js";
import type { ApiKeys } from "../auth/api-keys.js";
import { ApiError, ApiErrorCode } from "../errors.js";
import { sendJson } from "../http/respond.js";
import type { Router } from "../http/router.js";
import { seriesLimits } from "../series/series-id.js";
import type { Store } from "../store/store.js";

/** What the tag routes need. */
export interface TagRoutesDeps {
  store: Store;
  keys: ApiKeys;
}

/** The answer of `GET /api/v1/tags/:key/values`. */
export interface TagValuesAnswer {
  key: string;
  /** Distinct values, sorted by code unit; at most `MAX_TAG_VALUES`. */
  values: string[];
  /** More series or values matched than were read or answered. */
  truncated?: true;
}

/** Most series one call reads (the default series limit: every series of a default store). */
export const MAX_TAG_SERIES_SCANNED = 10_000;
/** Most values one call answers. */
export const MAX_TAG_VALUES = 1000;
/** Longest `match` accepted, bytes (as `/series`). */
const MAX_MATCH_BYTES = 1024;

/** The distinct values of `key` among `tags`, sorted; `truncated` when more than `max`. */
export function tagValues(
  tagSets: Iterable<Readonly<Record<string, string>>>,
  key: string,
  max: number,
): { values: string[]; truncated: boolean } {
  const seen = new Set<string>();
  for (const tags of tagSets) {
    const v = Object.hasOwn(tags, key) ? tags[key] : undefined;
    if (v !== undefined) seen.add(v);
  }
  const values = [...seen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return values.length > max ? { values: values.slice(0, max), truncated: true } : { values, truncated: false };
}

/** Registers the tag routes. */
export function tagRoutes(router: Router, deps: TagRoutesDeps): void {
  router.add("GET", "/api/v1/tags/:key/values", async (req, res, { params, query }) => {
    deps.keys.require(requestKey(req), "read");
    const key = params.key ?? "";
    if (key === "" || Buffer.byteLength(key) > seriesLimits.maxTagKeyBytes)
      throw new ApiError(
        400,
        ApiErrorCode.InvalidField,
        `key: 1 to ${seriesLimits.maxTagKeyBytes} bytes (a tag key, URL-encoded)`,
      );
    const match = query.get("match") ?? "";
    if (Buffer.byteLength(match) > MAX_MATCH_BYTES)
      throw new ApiError(400, ApiErrorCode.InvalidField, `match: longer than ${MAX_MATCH_BYTES} bytes`);
    const series = await deps.store.listSeries({ prefix: match }, MAX_TAG_SERIES_SCANNED + 1);
    const scanned = series.slice(0, MAX_TAG_SERIES_SCANNED);
    const { values, truncated } = tagValues(
      scanned.map((s) => s.tags),
      key,
      MAX_TAG_VALUES,
    );
    const answer: TagValuesAnswer = { key, values };
    if (truncated || series.length > MAX_TAG_SERIES_SCANNED) answer.truncated = true;
    sendJson(res, 200, answer);
  });
}
