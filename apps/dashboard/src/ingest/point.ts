import { truncateUtf8 } from "@dashwire/protocol";
import { ApiError, ApiErrorCode } from "../errors.js";
import type { Tags } from "../series/series-id.js";

/** Longest rejection message, in UTF-8 bytes (messages quote input, which may be long). */
export const MAX_REJECTION_BYTES = 512;

/** A rejection message cut to `MAX_REJECTION_BYTES`. */
export function rejectionMessage(text: string): string {
  return truncateUtf8(text, MAX_REJECTION_BYTES);
}

/** One measurement as parsed from a request, before it reaches the series store. */
export interface Point {
  /** Metric name (series charset). */
  name: string;
  /** Tags, or undefined for none. */
  tags: Tags | undefined;
  /** The value; always finite. */
  value: number;
  /** Milliseconds since the epoch; undefined means "now" (filled in at ingest). */
  ts: number | undefined;
  /** Where the point came from: index in a JSON batch (0-based) or line number (1-based). */
  origin: number;
  /**
   * The series id (`formatSeriesId(name, tags)`) when the parser already has it: line protocol
   * builds it once per series of a body instead of once per point.
   */
  id?: string;
}

/** A refused point: which one, why, and a stable code. */
export interface Rejection {
  /** Index in a JSON batch (0-based); set for JSON input. */
  index?: number;
  /** Line number (1-based); set for line protocol input. */
  line?: number;
  /** Why, naming the field when one is at fault. */
  error: string;
  /** Stable code (see `ApiErrorCode`). */
  code: number;
}

/** What a parser returns: the good points and the reasons the others were refused. */
export interface ParseResult {
  points: Point[];
  rejected: Rejection[];
  /** Values skipped by policy, not errors (line protocol string fields). */
  ignored: number;
}

/**
 * Most refusals one request may have while it is parsed. Each costs far more than a good point
 * (a zod error, an exception), so a body of nothing but bad items held the event loop for
 * seconds (1 MiB of `{}` in a JSON array: about 10 s). Past this, parsing stops and nothing of
 * the request is stored: a 400 (code `TooManyRefusals`) quoting the first refusal.
 */
export const MAX_REFUSALS = 10_000;

/** Adds a refusal to `result`; past `MAX_REFUSALS` throws the 400 that refuses the whole request. */
export function refuse(result: ParseResult, rejection: Rejection): void {
  result.rejected.push(rejection);
  if (result.rejected.length <= MAX_REFUSALS) return;
  const first = result.rejected[0] as Rejection;
  const where = first.line !== undefined ? `line ${first.line}` : `item ${first.index ?? 0}`;
  throw new ApiError(
    400,
    ApiErrorCode.TooManyRefusals,
    rejectionMessage(
      `more than ${MAX_REFUSALS} points refused in one request, so nothing of it was stored; the first: ${where}: ${first.error}`,
    ),
  );
}
