/**
 * How the socket listeners (Graphite TCP, StatsD UDP) store what they parsed: as one write
 * admitted by the ingest gate, like an HTTP request, and counted per format. Nobody waits for an
 * answer on these protocols, so every outcome goes to the counters: points the store refused, and
 * when the store fails (disk full, database down) every point of the batch, as refused.
 */
import type { IngestRoutesDeps } from "../api/ingest-deps.js";
import type { IngestFormat } from "./ingest-counters.js";
import type { IngestResult } from "./ingest.js";
import type { ParseResult } from "./point.js";

/** A parsed batch and how many of its items were refused in all (`parsed.rejected` may list only some). */
export interface ListenerBatch {
  parsed: ParseResult;
  refused: number;
}

/**
 * Parses (inside the gate, so a refused write costs no parse) and stores one batch; resolves with
 * the counted outcome. Throws the gate's `Busy` `ApiError` without parsing when too many writes
 * are in progress (the caller keeps its input and retries), and the store's error after counting
 * the batch as refused.
 */
export function writeListenerBatch(
  deps: Pick<IngestRoutesDeps, "ingest" | "onIngest" | "counters" | "gate">,
  format: IngestFormat,
  parse: () => ListenerBatch,
): Promise<IngestResult> {
  return deps.gate.run(async () => {
    const { parsed, refused } = parse();
    let stored: IngestResult;
    try {
      stored = await deps.ingest(parsed, "line");
    } catch (err) {
      deps.counters.record(format, {
        accepted: 0,
        ignored: parsed.ignored,
        rejectedTotal: refused + parsed.points.length,
      });
      throw err;
    }
    // `stored.rejectedTotal` holds the listed parse refusals plus the store's own.
    const result: IngestResult = { ...stored, rejectedTotal: stored.rejectedTotal - parsed.rejected.length + refused };
    deps.onIngest(result);
    deps.counters.record(format, result);
    return result;
  });
}
