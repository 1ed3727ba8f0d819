/**
 * Stores parsed points through the metrics writer and builds the API answer: how many were
 * accepted, and for every refused point its index or line and why. The list is capped
 * (`maxListed`); `rejectedTotal` always gives the full count, so nothing is dropped without
 * being counted.
 */
import type { MetricsWriter } from "../store/metrics-writer.js";
import type { ParseResult, Point, Rejection } from "./point.js";

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

/**
 * Writes the parsed points in one transaction (resolves once committed); `by` names how
 * rejections point at their source. Rejects with a `StoreError` when nothing could be stored.
 */
export async function ingestPoints(
  writer: MetricsWriter,
  parsed: ParseResult,
  by: "index" | "line",
  maxListed = MAX_LISTED_REJECTIONS,
): Promise<IngestResult> {
  // External points ask for a preview of their open second (see LiveRollups.preview).
  const refused = await writer.write(parsed.points, true);
  let rejected = parsed.rejected;
  if (refused.length > 0) {
    const source = (i: number) => (parsed.points[i] as Point).origin;
    const refusals: Rejection[] = refused.map((r) =>
      by === "index"
        ? { index: source(r.index), error: r.error, code: r.code }
        : { line: source(r.index), error: r.error, code: r.code },
    );
    const where = (r: Rejection) => r.index ?? r.line ?? 0;
    rejected = [...parsed.rejected, ...refusals].sort((a, b) => where(a) - where(b));
  }
  return {
    accepted: parsed.points.length - refused.length,
    rejected: rejected.length > maxListed ? rejected.slice(0, maxListed) : rejected,
    rejectedTotal: rejected.length,
    ignored: parsed.ignored,
  };
}
