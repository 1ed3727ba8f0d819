/**
 * Series ids: a metric name plus its tags sorted by key, InfluxDB series-key style
 * (`cpu.usage,host=a,region=eu`). Ids are used verbatim in topic names (`metrics:<id>`), so the
 * character set is a subset of the protocol's topic charset and the length leaves room for the
 * `metrics:` prefix under the protocol's 256-character topic limit.
 */

/** Characters allowed in names, tag keys and tag values. */
export const SERIES_CHARS = /^[A-Za-z0-9_.\-:/@]+$/;
/** Characters outside the allowed set (global, for replacement). */
const SERIES_CHARS_INVALID = /[^A-Za-z0-9_.\-:/@]/g;

/** Size limits of one series id and its parts. */
export const seriesLimits = {
  /** Longest metric name. */
  maxNameLength: 128,
  /** Most tags on one series. */
  maxTags: 16,
  /** Longest tag key. */
  maxTagKeyLength: 64,
  /** Longest tag value. */
  maxTagValueLength: 128,
  /** Longest full id (`metrics:` + id stays under the 256-character topic limit). */
  maxIdLength: 240,
} as const;

/** Tags of a series: key → value, both in the series charset. */
export type Tags = Record<string, string>;

/** A series' parts. */
export interface SeriesKey {
  /** Full id, `name,k=v,...` with tags sorted by key. */
  id: string;
  /** Metric name. */
  name: string;
  /** Tags (a fresh object, sorted by key). */
  tags: Tags;
}

/** Why a name or tag set is not acceptable, or undefined when it is. */
export function checkSeries(name: string, tags: Tags | undefined): string | undefined {
  if (name.length === 0) return "name must not be empty";
  if (name.length > seriesLimits.maxNameLength) return `name must be at most ${seriesLimits.maxNameLength} characters`;
  if (!SERIES_CHARS.test(name)) return "name may only contain A-Z a-z 0-9 _ . - : / @";
  if (tags === undefined) return undefined;
  const keys = Object.keys(tags);
  if (keys.length > seriesLimits.maxTags) return `at most ${seriesLimits.maxTags} tags are allowed`;
  for (const k of keys) {
    const v = tags[k];
    if (k.length === 0 || k.length > seriesLimits.maxTagKeyLength || !SERIES_CHARS.test(k))
      return `tag key ${JSON.stringify(k.slice(0, 40))} must be 1-${seriesLimits.maxTagKeyLength} characters of A-Z a-z 0-9 _ . - : / @`;
    if (typeof v !== "string" || v.length === 0 || v.length > seriesLimits.maxTagValueLength || !SERIES_CHARS.test(v))
      return `tag ${k} value must be 1-${seriesLimits.maxTagValueLength} characters of A-Z a-z 0-9 _ . - : / @`;
  }
  return undefined;
}

/** Builds the id of a series whose parts already passed `checkSeries`. */
export function formatSeriesId(name: string, tags: Tags | undefined): string {
  if (tags === undefined) return name;
  const keys = Object.keys(tags);
  if (keys.length === 0) return name;
  keys.sort();
  let id = name;
  for (const k of keys) id += `,${k}=${tags[k]}`;
  return id;
}

/** Splits an id into name and tags; undefined when it is not a well-formed id. */
export function parseSeriesId(id: string): SeriesKey | undefined {
  if (id.length === 0 || id.length > seriesLimits.maxIdLength) return undefined;
  const parts = id.split(",");
  const name = parts[0] ?? "";
  const tags: Tags = {};
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i] ?? "";
    const eq = part.indexOf("=");
    if (eq <= 0) return undefined;
    const k = part.slice(0, eq);
    if (k in tags) return undefined;
    tags[k] = part.slice(eq + 1);
  }
  if (checkSeries(name, tags) !== undefined) return undefined;
  // Only the canonical (sorted) spelling names a series.
  if (formatSeriesId(name, tags) !== id) return undefined;
  return { id, name, tags };
}

/** Replaces characters outside the series charset by `_` (used for line protocol input). */
export function sanitizeSeriesPart(s: string): string {
  return s.replace(SERIES_CHARS_INVALID, "_");
}
