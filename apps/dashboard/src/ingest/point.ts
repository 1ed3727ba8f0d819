import { truncateUtf8 } from "@dashwire/protocol";
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
