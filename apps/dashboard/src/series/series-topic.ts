/**
 * The live topic of a series, shared by the server (which publishes) and the UI (which
 * subscribes): one function, so both always agree. Imports nothing from Node.
 *
 * Topic names are limited to `A-Z a-z 0-9 _ - : . @ / = + # ~ ,` and 256 characters
 * (`@dashwire/protocol`), series ids are not (series-id.ts). So:
 * - an id made only of topic characters other than `~`, short enough, is its own topic:
 *   `metrics:cpu.usage,host=a` (the common case, readable in logs and tools);
 * - any other id becomes `metrics:~` + the base64url SHA-256 of its UTF-8 bytes (43 characters).
 *
 * No two series share a topic: the plain form is the id itself and never holds `~`; the hashed
 * form starts with `~`, and two ids with one SHA-256 are not known to exist. Publications on a
 * hashed topic also carry the id (`id` in the data), so a subscriber can check what it got.
 */
import { sha256 } from "@noble/hashes/sha2.js";

/** Prefix of every series topic. */
export const SERIES_TOPIC_PREFIX = "metrics:";

/** Longest topic name the protocol accepts (`MAX_TOPIC_LENGTH`). */
const MAX_TOPIC = 256;
/** Topic characters, minus `~` (which marks the hashed form). */
const PLAIN = /^[A-Za-z0-9_\-:.@/=+#,]+$/;
/** Most memoized hashed topics; past it the memo starts over (the publish tick asks every second). */
const MEMO_MAX = 20_000;
const memo = new Map<string, string>();
const encoder = new TextEncoder();

/** Base64url without padding. */
function base64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** True when `id` is published under its own name (`metrics:<id>`), false when hashed. */
export function isPlainSeriesTopic(id: string): boolean {
  return id.length > 0 && id.length <= MAX_TOPIC - SERIES_TOPIC_PREFIX.length && PLAIN.test(id);
}

/** The topic a series' rollups are published on. */
export function seriesTopic(id: string): string {
  if (isPlainSeriesTopic(id)) return SERIES_TOPIC_PREFIX + id;
  let topic = memo.get(id);
  if (topic === undefined) {
    topic = `${SERIES_TOPIC_PREFIX}~${base64url(sha256(encoder.encode(id)))}`;
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(id, topic);
  }
  return topic;
}

/**
 * A closed (or previewed) second of a series as published on its topic: a query row
 * `[t, count, sum, min, max, last]` as an object, t = bucket start in ms.
 */
export interface LiveBucket {
  t: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  last: number;
}

/** `data` as published for series `id`: with `id` added when the topic is hashed. */
export function withSeriesId<T extends object>(id: string, data: T): T & { id?: string } {
  return isPlainSeriesTopic(id) ? data : { ...data, id };
}

/** True when a publication received on `seriesTopic(id)` is for series `id` (see `withSeriesId`). */
export function isForSeries(id: string, data: unknown): boolean {
  if (isPlainSeriesTopic(id)) return true;
  return typeof data === "object" && data !== null && (data as { id?: unknown }).id === id;
}
