/**
 * Stores parsed points in the series store and builds the API answer: how many were accepted,
 * and for every refused point its index or line and why. The list is capped (`maxListed`);
 * `rejectedTotal` always gives the full count, so nothing is dropped without being counted.
 */
import type { SeriesStore } from "../rollup/series-store.js";
import type { ParseResult, Rejection } from "./point.js";

/** Most rejections listed in one response (the rest are only counted). */
export const MAX_LISTED_REJECTIONS = 100;

/** The body of an ingest response. */
export interface IngestResult {
  accepted: number;
  rejected: Rejection[];
  /** All refused points, listed or not. */
  rejectedTotal: number;
  /** String fields skipped by policy (line protocol). */
  ignored: number;
}

/** Adds the parsed points to `store`; `by` names how rejections point at their source. */
export function ingestPoints(
  store: SeriesStore,
  parsed: ParseResult,
  by: "index" | "line",
  maxListed = MAX_LISTED_REJECTIONS,
): IngestResult {
  let accepted = 0;
  const refusals: Rejection[] = [];
  for (const p of parsed.points) {
    // External points ask for a preview of their open second (see SeriesStore.preview).
    const refused = store.add(p.name, p.tags, p.value, p.ts, true);
    if (refused === undefined) accepted++;
    else refusals.push(by === "index" ? { index: p.origin, ...refused } : { line: p.origin, ...refused });
  }
  let rejected = parsed.rejected;
  if (refusals.length > 0) {
    const where = (r: Rejection) => r.index ?? r.line ?? 0;
    rejected = [...parsed.rejected, ...refusals].sort((a, b) => where(a) - where(b));
  }
  return {
    accepted,
    rejected: rejected.length > maxListed ? rejected.slice(0, maxListed) : rejected,
    rejectedTotal: rejected.length,
    ignored: parsed.ignored,
  };
}
