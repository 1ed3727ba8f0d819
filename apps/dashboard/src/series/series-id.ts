/**
 * Series ids: a metric name plus its tags sorted by key, InfluxDB series-key style
 * (`cpu.usage,host=a,region=eu`). Names, tag keys and tag values are kept as written: any
 * Unicode text without control characters, bounded in UTF-8 bytes. In the id, `\`, `,` and `=`
 * inside a part are escaped with a backslash, so two distinct (name, tags) pairs never share an
 * id and every id splits back into exactly its parts. Ids made only of the old charset
 * (`A-Z a-z 0-9 _ . - : / @`) read exactly as before.
 *
 * Ids are not topic names: `seriesTopic` (series-topic.ts) maps an id into the protocol's topic
 * charset without collisions.
 */

/** Size limits of one series, in UTF-8 bytes (so multi-byte text cannot exceed them). */
export const seriesLimits = {
  /** Longest metric name, bytes. */
  maxNameBytes: 256,
  /** Most tags on one series. */
  maxTags: 32,
  /** Longest tag key, bytes. */
  maxTagKeyBytes: 128,
  /** Longest tag value, bytes. */
  maxTagValueBytes: 256,
  /** Longest full id (escapes included), bytes. */
  maxIdBytes: 2048,
} as const;

/**
 * Tags of a series: key → value. Always a null-prototype object (see `makeTags`), so keys such
 * as `__proto__` or `constructor` are ordinary keys.
 */
export type Tags = Record<string, string>;

/** A series' parts. */
export interface SeriesKey {
  /** Full id, `name,k=v,...` with tags sorted by key and parts escaped. */
  id: string;
  /** Metric name. */
  name: string;
  /** Tags (a fresh null-prototype object). */
  tags: Tags;
}

/** A fresh null-prototype tag object, optionally filled from `entries` (later keys win). */
export function makeTags(entries?: Iterable<readonly [string, string]>): Tags {
  const tags = Object.create(null) as Tags;
  if (entries !== undefined) for (const [k, v] of entries) tags[k] = v;
  return tags;
}

/** `scanPart` result: the part holds a C0 control character or DEL. */
const HAS_CONTROL = -1;
/** `scanPart` result: the part holds a surrogate half without its partner. */
const HAS_LONE_SURROGATE = -2;

/**
 * One pass over a part: its size in the id (UTF-8 bytes plus one per escaped `\ , =`), or a
 * negative code. Control characters cannot be written in line protocol and break logs and UIs;
 * a lone surrogate is not text (UTF-8 cannot carry it, and two different halves would both
 * come out as U+FFFD: a silent merge).
 */
function scanPart(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c < 0x20 || c === 0x7f) return HAS_CONTROL;
      if (c === 0x5c || c === 0x2c || c === 0x3d) n++; // \ , =
    } else if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdfff) {
      if (c > 0xdbff || (s.charCodeAt(i + 1) & 0xfc00) !== 0xdc00) return HAS_LONE_SURROGATE;
      n += 2;
      i++;
    } else n += 2;
  }
  return n;
}

/** UTF-8 length of text with no lone surrogate (checked by `scanPart`); no Buffer: the UI bundles this module. */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Size of a good part in the id, or why it is bad. */
function checkPart(what: string, s: string, maxBytes: number): number | string {
  if (s.length === 0) return `${what} must not be empty`;
  const size = scanPart(s);
  if (size === HAS_CONTROL) return `${what} must not contain control characters`;
  if (size === HAS_LONE_SURROGATE) return `${what} must be valid Unicode (lone surrogate)`;
  // `size` counts escapes too; only near the limit is the exact byte length needed.
  if (size > maxBytes && utf8Length(s) > maxBytes) return `${what} must be at most ${maxBytes} bytes (UTF-8)`;
  return size;
}

/** Quotes a part for an error message, cut to a few characters. */
function quote(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

/**
 * Size of a good tag set in the id, or why it is bad. Line protocol checks a line's tags once
 * with this, then each field's name with `checkNameFor`.
 */
export function tagSetSize(tags: Tags | undefined): number | string {
  if (tags === undefined) return 0;
  const keys = Object.keys(tags);
  if (keys.length > seriesLimits.maxTags) return `at most ${seriesLimits.maxTags} tags are allowed`;
  let size = 0;
  for (const k of keys) {
    const key = checkPart(`tag key ${quote(k)}`, k, seriesLimits.maxTagKeyBytes);
    if (typeof key === "string") return key;
    const v = tags[k];
    if (typeof v !== "string") return `tag ${quote(k)} value must be a string`;
    const value = checkPart(`tag ${quote(k)} value`, v, seriesLimits.maxTagValueBytes);
    if (typeof value === "string") return value;
    size += 2 + key + value;
  }
  return size;
}

/** Why `name` is not acceptable beside tags of `tagsSize` (from `tagSetSize`), or undefined. */
export function checkNameFor(name: string, tagsSize: number): string | undefined {
  const size = checkPart("name", name, seriesLimits.maxNameBytes);
  if (typeof size === "string") return size;
  return size + tagsSize > seriesLimits.maxIdBytes
    ? `series id must be at most ${seriesLimits.maxIdBytes} bytes (UTF-8, escapes included)`
    : undefined;
}

/** Why a name or tag set is not acceptable, or undefined when it is. */
export function checkSeries(name: string, tags: Tags | undefined): string | undefined {
  const size = tagSetSize(tags);
  if (typeof size === "string") return checkNameFor(name, 0) ?? size;
  return checkNameFor(name, size);
}

const NEEDS_ESCAPE = /[\\,=]/;
const ESCAPES = /[\\,=]/g;

/** Escapes `\`, `,` and `=` in one part of an id. */
function escapePart(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(ESCAPES, "\\$&") : s;
}

/** Builds the id of a series whose parts already passed `checkSeries`. */
export function formatSeriesId(name: string, tags: Tags | undefined): string {
  let id = escapePart(name);
  if (tags === undefined) return id;
  const keys = Object.keys(tags);
  if (keys.length === 0) return id;
  keys.sort();
  for (const k of keys) id += `,${escapePart(k)}=${escapePart(tags[k] as string)}`;
  return id;
}

/** Splits an id into its unescaped parts and separators; undefined on a dangling backslash. */
function splitId(id: string): { parts: string[]; seps: string } | undefined {
  const parts: string[] = [];
  let seps = "";
  let cur = "";
  for (let i = 0; i < id.length; i++) {
    const c = id[i] as string;
    if (c === "\\") {
      const next = id[i + 1];
      if (next !== "\\" && next !== "," && next !== "=") return undefined;
      cur += next;
      i++;
    } else if (c === "," || c === "=") {
      parts.push(cur);
      seps += c;
      cur = "";
    } else cur += c;
  }
  parts.push(cur);
  return { parts, seps };
}

/** Splits an id into name and tags; undefined when it is not a well-formed, canonical id. */
export function parseSeriesId(id: string): SeriesKey | undefined {
  if (id.length === 0 || id.length > seriesLimits.maxIdBytes) return undefined;
  const split = splitId(id);
  if (split === undefined) return undefined;
  const { parts, seps } = split;
  // name, then ",k=v" pairs: the separators must alternate , = , = ...
  if (seps.length % 2 !== 0) return undefined;
  for (let i = 0; i < seps.length; i++) if (seps[i] !== (i % 2 === 0 ? "," : "=")) return undefined;
  const name = parts[0] as string;
  const tags = makeTags();
  for (let i = 1; i < parts.length; i += 2) {
    const k = parts[i] as string;
    if (k in tags) return undefined;
    tags[k] = parts[i + 1] as string;
  }
  if (checkSeries(name, tags) !== undefined) return undefined;
  // Only the canonical spelling (sorted tags, minimal escapes) names a series.
  if (formatSeriesId(name, tags) !== id) return undefined;
  return { id, name, tags };
}
