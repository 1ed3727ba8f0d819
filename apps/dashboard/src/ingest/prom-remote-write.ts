/**
 * Prometheus remote write 1.0 (https://prometheus.io/docs/specs/remote_write_spec/): a
 * snappy-compressed (block format) protobuf `WriteRequest`. Each sample becomes one point: the
 * `__name__` label is its name, every other label a tag (labels with an empty value are absent,
 * as in Prometheus). NaN samples (staleness markers included) and ±Inf cannot be stored and are
 * counted as `ignored`, as are native histograms and exemplars (remote write still delivers the
 * classic `_bucket`/`_sum`/`_count` series). A series without `__name__`, with a label twice or
 * with names dashwire cannot keep is refused, by its index in the request.
 */
import protobuf from "protobufjs";
import snappy from "snappyjs";
import { ApiError, ApiErrorCode } from "../errors.js";
import { checkNameFor, makeTags, type Tags, tagSetSize } from "../series/series-id.js";
import { type ParseResult, refuse, rejectionMessage } from "./point.js";
import { checkSnappyBlock } from "./snappy-block.js";

// The parts of prometheus/prompb/types.proto and remote.proto that remote write 1.0 sends.
// Histograms and exemplars are only counted, so they are read as opaque bytes.
const PROTO = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; }
message TimeSeries {
  repeated Label labels = 1;
  repeated Sample samples = 2;
  repeated bytes exemplars = 3;
  repeated bytes histograms = 4;
}
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
`;

/** The `WriteRequest` message (for encoding in tests and tools). */
export const WriteRequest = protobuf.parse(PROTO).root.lookupType("prometheus.WriteRequest");

/** A 64-bit integer as protobufjs decodes it (a `long` Long, or a number). */
type Int64 = number | { toNumber(): number };

/** The decoded shape of `WriteRequest`. */
interface DecodedWriteRequest {
  timeseries: Array<{
    labels: Array<{ name: string; value: string }>;
    samples: Array<{ value: number; timestamp: Int64 }>;
    exemplars: unknown[];
    histograms: unknown[];
  }>;
}

/** Decompresses and decodes a remote write body; a 400 (or 413) `ApiError` when it cannot. */
export function decodeRemoteWrite(body: Buffer, maxBytes: number): DecodedWriteRequest {
  let raw: Buffer;
  try {
    // snappyjs loops for ever on some malformed blocks (see snappy-block.ts): check first.
    const check = checkSnappyBlock(body, maxBytes);
    if (check !== "ok") throw new Error(check === "too big" ? "too big" : "malformed snappy block");
    raw = snappy.uncompress(body, maxBytes);
  } catch (err) {
    const message = (err as Error).message;
    if (/too big/.test(message))
      throw new ApiError(413, ApiErrorCode.PayloadTooLarge, `body larger than ${maxBytes} bytes once decompressed`);
    throw new ApiError(400, ApiErrorCode.InvalidField, "body: not a snappy-compressed (block format) message");
  }
  try {
    return WriteRequest.decode(raw) as unknown as DecodedWriteRequest;
  } catch (err) {
    throw new ApiError(
      400,
      ApiErrorCode.InvalidField,
      `body: not a remote write WriteRequest (${(err as Error).message})`,
    );
  }
}

/** Turns a decoded `WriteRequest` into points; a refused series is listed by its index. */
export function remoteWritePoints(request: DecodedWriteRequest): ParseResult {
  const result: ParseResult = { points: [], rejected: [], ignored: 0 };
  const refuseSeries = (index: number, error: string) =>
    refuse(result, { index, error: rejectionMessage(error), code: ApiErrorCode.InvalidField });
  for (let i = 0; i < request.timeseries.length; i++) {
    const ts = request.timeseries[i] as DecodedWriteRequest["timeseries"][number];
    result.ignored += ts.exemplars.length + ts.histograms.length;
    if (ts.samples.length === 0) continue;
    let name: string | undefined;
    let tags: Tags | undefined;
    let bad: string | undefined;
    for (const { name: label, value } of ts.labels) {
      if (label === "__name__") {
        if (name !== undefined) bad = 'label "__name__" given twice';
        name = value;
        continue;
      }
      if (value === "") continue; // an empty label is an absent label (Prometheus' data model)
      tags ??= makeTags();
      if (label in tags) bad = `label ${JSON.stringify(label)} given twice`;
      tags[label] = value;
    }
    if (bad === undefined && (name === undefined || name === "")) bad = 'no "__name__" label';
    const size = tagSetSize(tags);
    if (bad === undefined && typeof size === "string") bad = size;
    if (bad === undefined) bad = checkNameFor(name as string, size as number);
    if (bad !== undefined) {
      refuseSeries(i, `${bad} (${ts.samples.length} samples)`);
      continue;
    }
    for (const s of ts.samples) {
      if (!Number.isFinite(s.value)) {
        result.ignored++; // NaN (a staleness marker, or no value) or ±Inf
        continue;
      }
      const t = typeof s.timestamp === "number" ? s.timestamp : s.timestamp.toNumber();
      result.points.push({ name: name as string, tags, value: s.value, ts: t, origin: i });
    }
  }
  return result;
}
