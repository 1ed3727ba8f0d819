/**
 * What every ingest route needs, and the one way they all store a parsed body: through
 * `ingest(parsed, by)` (the store's contract), then counted per format.
 */
import type { ApiKeys } from "../auth/api-keys.js";
import type { IngestResult } from "../ingest/ingest.js";
import type { IngestCounters, IngestFormat } from "../ingest/ingest-counters.js";
import type { IngestGate } from "../ingest/ingest-gate.js";
import type { ParseResult } from "../ingest/point.js";

/** Dependencies of the ingest routes (JSON/line, InfluxDB, Prometheus, OTLP). */
export interface IngestRoutesDeps {
  /** Stores parsed points and says what was accepted; resolves once they are kept. */
  ingest: (parsed: ParseResult, by: "index" | "line") => Promise<IngestResult>;
  keys: ApiKeys;
  /** Largest request body, after decompression. */
  maxBodyBytes: number;
  /** Called with each request's result (counters for the system feed). */
  onIngest: (result: IngestResult) => void;
  /** Per-format counters on `/metrics`. */
  counters: IngestCounters;
  /** Admission of writes (shared with socket ingest). */
  gate: IngestGate;
}

/**
 * Parses a body with `parse` and stores it, as one write admitted by the gate (a 503 past its
 * limit, before parsing), and counts the outcome under `format`.
 */
export function storeParsed(
  deps: IngestRoutesDeps,
  format: IngestFormat,
  parse: () => ParseResult,
  by: "index" | "line",
): Promise<IngestResult> {
  return deps.gate.run(async () => {
    const result = await deps.ingest(parse(), by);
    deps.onIngest(result);
    deps.counters.record(format, result);
    return result;
  });
}
