/**
 * OTLP metrics (an `ExportMetricsServiceRequest`, from protobuf or OTLP/JSON) as points:
 *
 * - name: the metric's name as sent (`http.server.request.duration`); the unit is not part of it;
 * - tags: every resource attribute, the scope's name as `otel.scope.name`, and the data point's
 *   attributes; an attribute given two different values on these levels refuses the data point
 *   (no silent pick). Values become text: strings as is, booleans `true`/`false`, integers and
 *   doubles in decimal, bytes in base64, arrays and maps as compact JSON; empty ones are absent;
 * - gauge and sum (cumulative or delta) data points: their value, as sent (a cumulative sum is
 *   its running total; a delta sum is the amount of its interval, so the rollups' `sum` adds up);
 * - histograms (explicit and exponential): `<name>.count` and `<name>.sum`, plus `.min` and
 *   `.max` when sent; buckets are not stored and are counted as `ignored`;
 * - summaries: `<name>.count`, `<name>.sum` and each quantile as `<name>` with a `quantile` tag.
 *
 * Data points flagged "no recorded value", NaN and ±Inf are counted as `ignored`; integers beyond
 * ±2^53 (which a float64 would round) and points whose names or tags dashwire cannot keep are
 * refused, each by its index among the request's data points.
 */
import { ApiErrorCode } from "../errors.js";
import { checkNameFor, makeTags, seriesLimits, type Tags, tagSetSize } from "../series/series-id.js";
import { LineError, timestampMs } from "./line-values.js";
import { type ParseResult, refuse, rejectionMessage } from "./point.js";

/** A protobuf int64/fixed64 as OTLP/JSON or `toObject({ longs: String })` gives it. */
type Int64 = string | number;

/** An OTLP `AnyValue` (one of its fields set). */
export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: Int64;
  doubleValue?: number | string;
  bytesValue?: string;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
}

/** An OTLP `KeyValue`. */
export interface OtlpKeyValue {
  key?: string;
  value?: OtlpAnyValue;
}

/** The fields of any OTLP data point that dashwire reads. */
interface OtlpDataPoint {
  attributes?: OtlpKeyValue[];
  timeUnixNano?: Int64;
  flags?: number;
  asDouble?: number | string;
  asInt?: Int64;
  count?: Int64;
  sum?: number | string;
  min?: number | string;
  max?: number | string;
  bucketCounts?: unknown[];
  positive?: { bucketCounts?: unknown[] };
  negative?: { bucketCounts?: unknown[] };
  quantileValues?: Array<{ quantile?: number | string; value?: number | string }>;
}

/** An OTLP `Metric`. */
interface OtlpMetric {
  name?: string;
  gauge?: { dataPoints?: OtlpDataPoint[] };
  sum?: { dataPoints?: OtlpDataPoint[] };
  histogram?: { dataPoints?: OtlpDataPoint[] };
  exponentialHistogram?: { dataPoints?: OtlpDataPoint[] };
  summary?: { dataPoints?: OtlpDataPoint[] };
}

/** An `ExportMetricsServiceRequest` as plain objects. */
export interface OtlpMetricsRequest {
  resourceMetrics?: Array<{
    resource?: { attributes?: OtlpKeyValue[] };
    scopeMetrics?: Array<{ scope?: { name?: string; version?: string }; metrics?: OtlpMetric[] }>;
  }>;
}

/** Deepest array/map attribute value rendered (deeper ones refuse the data point). */
const MAX_VALUE_DEPTH = 8;
/** The `DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK` bit. */
const NO_RECORDED_VALUE = 1;

/** A refusal of one data point (caught per data point). */
class PointError extends Error {}

/** A body whose structure is not an `ExportMetricsServiceRequest`: the whole request is refused. */
export class OtlpShapeError extends Error {}

/** `v` as an array (absent: empty); anything else is a shape error at `where`. */
function list<T>(v: unknown, where: string): T[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v as T[];
  throw new OtlpShapeError(`${where}: expected an array`);
}

/** `v` as an object (absent: undefined); anything else is a shape error at `where`. */
function record<T>(v: unknown, where: string): T | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "object" && !Array.isArray(v)) return v as T;
  throw new OtlpShapeError(`${where}: expected an object`);
}

/** `v` as a string (absent: ""); anything else is a shape error at `where`. */
function text(v: unknown, where: string): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  throw new OtlpShapeError(`${where}: expected a string`);
}

/** A double as OTLP sends it: a number, or in JSON a numeric string, "NaN", "Infinity", "-Infinity". */
function toDouble(v: unknown, what: string): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v);
    if (!Number.isNaN(n) || v === "NaN") return n;
  }
  throw new PointError(`${what}: not a number`);
}

/** An int64 (a JSON string or number) as a number, refused when a float64 would round it. */
function toSafeInt(v: unknown, what: string): number {
  const s = typeof v === "number" && Number.isInteger(v) ? String(v) : typeof v === "string" ? v : "";
  if (!/^-?\d+$/.test(s)) throw new PointError(`${what}: not an integer`);
  const n = Number(s);
  if (!Number.isSafeInteger(n))
    throw new PointError(
      `${what}: integer ${s.slice(0, 24)} is beyond ±2^53 and would be rounded (values are float64)`,
    );
  return n;
}

/** An attribute value as tag text; undefined for an empty value (an absent attribute). */
export function attributeText(value: unknown, depth = 0): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw new PointError("attribute value: expected an AnyValue");
  if (depth > MAX_VALUE_DEPTH) throw new PointError(`attribute value nested deeper than ${MAX_VALUE_DEPTH}`);
  const v = value as OtlpAnyValue;
  if (v.stringValue !== undefined && v.stringValue !== null) {
    if (typeof v.stringValue !== "string") throw new PointError("stringValue: expected a string");
    return v.stringValue === "" ? undefined : v.stringValue;
  }
  if (v.boolValue !== undefined && v.boolValue !== null) {
    if (typeof v.boolValue !== "boolean") throw new PointError("boolValue: expected a boolean");
    return v.boolValue ? "true" : "false";
  }
  if (v.intValue !== undefined && v.intValue !== null) {
    const s = String(v.intValue);
    if (!/^-?\d+$/.test(s) || (typeof v.intValue !== "string" && typeof v.intValue !== "number"))
      throw new PointError("intValue: not an integer");
    return s;
  }
  if (v.doubleValue !== undefined && v.doubleValue !== null) return String(toDouble(v.doubleValue, "doubleValue"));
  if (v.bytesValue !== undefined && v.bytesValue !== null) {
    if (typeof v.bytesValue !== "string") throw new PointError("bytesValue: expected base64 text");
    return v.bytesValue === "" ? undefined : v.bytesValue;
  }
  const nested = <T>(where: string, f: () => T): T => {
    try {
      return f();
    } catch (err) {
      if (err instanceof OtlpShapeError) throw new PointError(`${where}: ${err.message}`);
      throw err;
    }
  };
  if (v.arrayValue !== undefined && v.arrayValue !== null)
    return JSON.stringify(
      nested("arrayValue", () =>
        list<unknown>(record<{ values?: unknown }>(v.arrayValue, "arrayValue")?.values, "values"),
      ).map((x) => attributeText(x, depth + 1) ?? null),
    );
  if (v.kvlistValue !== undefined && v.kvlistValue !== null) {
    const obj: Record<string, string | null> = Object.create(null);
    const kvs = nested("kvlistValue", () =>
      list<OtlpKeyValue>(record<{ values?: unknown }>(v.kvlistValue, "kvlistValue")?.values, "values"),
    );
    for (const kv of kvs) {
      const key = nested("kvlistValue", () => text(record<OtlpKeyValue>(kv, "value")?.key, "key"));
      obj[key] = attributeText(kv.value, depth + 1) ?? null;
    }
    return JSON.stringify(obj);
  }
  return undefined;
}

/** Adds `attributes` to `tags`; a key already there with another value refuses the point. */
function addAttributes(tags: Tags, attributes: unknown, where: string): void {
  let kvs: OtlpKeyValue[];
  try {
    kvs = list<OtlpKeyValue>(attributes, `${where} attributes`);
  } catch (err) {
    throw new PointError((err as Error).message);
  }
  for (const kv of kvs) {
    if (typeof kv !== "object" || kv === null) throw new PointError(`${where} attributes: expected KeyValue objects`);
    if (kv.key !== undefined && typeof kv.key !== "string")
      throw new PointError(`${where} attributes: key must be a string`);
    const key = kv.key ?? "";
    const value = attributeText(kv.value);
    if (value === undefined) continue;
    const had = tags[key];
    if (had !== undefined && had !== value)
      throw new PointError(`attribute ${JSON.stringify(key)} has two values (${where}: ${JSON.stringify(value)})`);
    tags[key] = value;
  }
}

/**
 * `tags` with `attributes` added: the tags every data point of a resource (or scope) starts
 * with, built once and copied per data point, or the refusal every one of them gets. Built per
 * data point instead, a request of n resource attributes and m data points cost n × m (a
 * 420 KB body held the event loop for 13 s); past `maxTags` keys none could be kept anyway, so
 * the copies stay small.
 */
function sharedTags(tags: Tags, attributes: unknown, where: string): Tags | PointError {
  try {
    addAttributes(tags, attributes, where);
  } catch (err) {
    if (err instanceof PointError) return err;
    throw err;
  }
  if (Object.keys(tags).length > seriesLimits.maxTags) return new PointError(tagSetSize(tags) as string);
  return tags;
}

/** The kinds of metric data, in the order `Metric.data` lists them. */
const KINDS = ["gauge", "sum", "histogram", "exponentialHistogram", "summary"] as const;

/**
 * Turns a decoded request into points; a refused data point is named by its index in the
 * request. Throws `OtlpShapeError` when the body's structure is not an OTLP request.
 */
export function otlpPoints(request: unknown): ParseResult {
  const result: ParseResult = { points: [], rejected: [], ignored: 0 };
  let index = -1;
  const req = record<OtlpMetricsRequest>(request, "body") ?? {};
  for (const rm of list<NonNullable<OtlpMetricsRequest["resourceMetrics"]>[number]>(
    req.resourceMetrics,
    "resourceMetrics",
  )) {
    const resource = record<{ attributes?: unknown }>(record(rm, "resourceMetrics[]") && rm.resource, "resource");
    const resourceTags = sharedTags(makeTags(), resource?.attributes, "resource");
    for (const sm of list<{ scope?: unknown; metrics?: unknown }>(rm.scopeMetrics, "scopeMetrics")) {
      const scope = record<{ name?: unknown }>(record(sm, "scopeMetrics[]") && sm.scope, "scope");
      const scopeName = text(scope?.name, "scope.name");
      const scopeTags =
        resourceTags instanceof PointError || scopeName === ""
          ? resourceTags
          : sharedTags(
              makeTags(Object.entries(resourceTags)),
              [{ key: "otel.scope.name", value: { stringValue: scopeName } }],
              "scope",
            );
      for (const metric of list<OtlpMetric>(sm.metrics, "metrics")) {
        record(metric, "metrics[]");
        const name = text(metric.name, "metric.name");
        const kind = KINDS.find((k) => metric[k] !== undefined && metric[k] !== null);
        const data = kind === undefined ? undefined : record<{ dataPoints?: unknown }>(metric[kind], kind);
        for (const dp of list<OtlpDataPoint>(data?.dataPoints, "dataPoints")) {
          index++;
          const before = result.points.length;
          try {
            if (typeof dp !== "object" || dp === null || Array.isArray(dp))
              throw new PointError("expected a data point object");
            if (scopeTags instanceof PointError) throw scopeTags;
            const tags = makeTags(Object.entries(scopeTags));
            addAttributes(tags, dp.attributes, "data point");
            result.ignored += pointsOf(kind === "gauge" || kind === "sum", name, dp, tags, index, result);
          } catch (err) {
            if (!(err instanceof PointError || err instanceof LineError)) throw err;
            result.points.length = before;
            refuse(result, {
              index,
              error: rejectionMessage(`${name === "" ? "(no name)" : name}: ${err.message}`),
              code: ApiErrorCode.InvalidField,
            });
          }
        }
      }
    }
  }
  return result;
}

/** Adds the points of one data point to `out`; returns how many values it ignored. */
function pointsOf(
  isNumber: boolean,
  name: string,
  dp: OtlpDataPoint,
  tags: Tags,
  index: number,
  out: ParseResult,
): number {
  const flags = dp.flags ?? 0;
  if (typeof flags !== "number") throw new PointError("flags: expected a number");
  if ((flags & NO_RECORDED_VALUE) !== 0) return 1;
  const time = dp.timeUnixNano;
  if (time !== undefined && time !== null && typeof time !== "string" && typeof time !== "number")
    throw new PointError("timeUnixNano: expected an integer");
  const ts = time === undefined || time === null || String(time) === "0" ? undefined : timestampMs(String(time), "ns");
  const size = tagSetSize(tags);
  if (typeof size === "string") throw new PointError(size);
  const shared = Object.keys(tags).length > 0 ? tags : undefined;
  let ignored = 0;
  const add = (n: string, value: number, t: Tags | undefined = shared, tagSize: number = size) => {
    if (!Number.isFinite(value)) {
      ignored++;
      return;
    }
    const why = checkNameFor(n, tagSize);
    if (why !== undefined) throw new PointError(why);
    out.points.push({ name: n, tags: t, value, ts, origin: index });
  };
  const present = (v: unknown) => v !== undefined && v !== null;
  if (isNumber) {
    if (present(dp.asInt)) add(name, toSafeInt(dp.asInt, "value"));
    else if (present(dp.asDouble)) add(name, toDouble(dp.asDouble, "value"));
    else throw new PointError("data point without a value");
    return ignored;
  }
  add(`${name}.count`, toSafeInt(dp.count ?? 0, "count"));
  if (present(dp.sum)) add(`${name}.sum`, toDouble(dp.sum, "sum"));
  if (present(dp.min)) add(`${name}.min`, toDouble(dp.min, "min"));
  if (present(dp.max)) add(`${name}.max`, toDouble(dp.max, "max"));
  const buckets = (v: unknown) => (Array.isArray(v) ? v.length : 0);
  const side = (v: unknown) =>
    typeof v === "object" && v !== null ? buckets((v as { bucketCounts?: unknown }).bucketCounts) : 0;
  ignored += buckets(dp.bucketCounts) + side(dp.positive) + side(dp.negative);
  const quantiles = dp.quantileValues ?? [];
  if (!Array.isArray(quantiles)) throw new PointError("quantileValues: expected an array");
  for (const q of quantiles) {
    if (typeof q !== "object" || q === null) throw new PointError("quantileValues: expected objects");
    const qTags = makeTags(Object.entries(tags));
    if (qTags.quantile !== undefined)
      throw new PointError('attribute "quantile" clashes with the summary\'s quantiles');
    qTags.quantile = String(toDouble(q.quantile ?? 0, "quantile"));
    const qSize = tagSetSize(qTags);
    if (typeof qSize === "string") throw new PointError(qSize);
    add(name, toDouble(q.value ?? 0, "quantile value"), qTags, qSize);
  }
  return ignored;
}
