/**
 * Counters of ingest by format, on `/metrics`: points accepted, ignored by policy (string fields,
 * NaN samples, histogram buckets…) and refused (listed in the answer), plus requests refused as a
 * whole (bad body, auth, size) by HTTP status, so an operator can alert on refused writes:
 *
 *   dashwire_ingest_points_total{format="influx_v1",result="refused"}
 *   dashwire_ingest_requests_refused_total{format="otlp",status="400"}
 *
 * The hot path only bumps plain numbers; they are read at scrape time (`server.addMetrics`, as
 * the server's own counters are), and summed across the workers of a machine.
 */
import type { LabelledValue, ReadMetric } from "@dashwire/server";
import type { IngestResult } from "./ingest.js";

/** The ways points come in. */
export const INGEST_FORMATS = [
  "json",
  "line",
  "socket",
  "influx_v1",
  "influx_v2",
  "prometheus",
  "otlp_protobuf",
  "otlp_json",
  "graphite",
  "statsd",
] as const;

/** One way points come in (the `format` label). */
export type IngestFormat = (typeof INGEST_FORMATS)[number];

/** Points counts of one format. */
interface FormatCounts {
  accepted: number;
  ignored: number;
  refused: number;
  /** HTTP status → requests refused as a whole. */
  requests: Map<number, number>;
}

/** Most distinct statuses counted per format (a status is a small fixed set; this only bounds it). */
const MAX_STATUSES = 32;

/** Counts of every format; `metrics()` describes them for `/metrics`. */
export class IngestCounters {
  private readonly counts = new Map<IngestFormat, FormatCounts>(
    INGEST_FORMATS.map((f) => [f, { accepted: 0, ignored: 0, refused: 0, requests: new Map() }]),
  );

  /** Counts the outcome of one request whose body was read. */
  record(format: IngestFormat, result: Pick<IngestResult, "accepted" | "ignored" | "rejectedTotal">): void {
    const c = this.counts.get(format) as FormatCounts;
    c.accepted += result.accepted;
    c.ignored += result.ignored;
    c.refused += result.rejectedTotal;
  }

  /** Counts a request refused as a whole (nothing stored), by the HTTP status it got. */
  refusedRequest(format: IngestFormat, status: number): void {
    const requests = (this.counts.get(format) as FormatCounts).requests;
    if (!requests.has(status) && requests.size >= MAX_STATUSES) return;
    requests.set(status, (requests.get(status) ?? 0) + 1);
  }

  /** The two counters, for `server.addMetrics` (read at each scrape). */
  metrics(): ReadMetric[] {
    const counts = this.counts;
    return [
      {
        name: "dashwire_ingest_points_total",
        help: "Points received by the ingest APIs, by format and result (accepted, ignored by policy, refused).",
        type: "counter",
        labelNames: ["format", "result"],
        read: () =>
          [...counts].flatMap(([format, c]): LabelledValue[] => [
            [{ format, result: "accepted" }, c.accepted],
            [{ format, result: "ignored" }, c.ignored],
            [{ format, result: "refused" }, c.refused],
          ]),
      },
      {
        name: "dashwire_ingest_requests_refused_total",
        help: "Ingest requests refused as a whole (nothing stored), by format and HTTP status.",
        type: "counter",
        labelNames: ["format", "status"],
        read: () =>
          [...counts].flatMap(([format, c]) =>
            [...c.requests].map(([status, n]): LabelledValue => [{ format, status: String(status) }, n]),
          ),
      },
    ];
  }
}
