/**
 * Field values and timestamps of InfluxDB line protocol, checked the way InfluxDB checks them:
 * integers `12i` within int64, unsigned `12u` within uint64 (leading zeros allowed), floats
 * without NaN or infinities, the ten boolean spellings, and timestamps within int64 nanoseconds.
 * dashwire stores every value as a float64, so an integer it could not store exactly (beyond
 * ±2^53) is refused rather than rounded without a word.
 */

/** Timestamp precisions accepted in `?precision=` (InfluxDB v1 names included: n, u, m, h). */
export type Precision = "ns" | "us" | "ms" | "s" | "m" | "h";

/** Reads a `?precision=` value; undefined when it is not one of ns, us, ms, s, m, h (or n, u). */
export function parsePrecision(value: string): Precision | undefined {
  switch (value) {
    case "ns":
    case "n":
      return "ns";
    case "us":
    case "u":
      return "us";
    case "ms":
    case "s":
    case "m":
    case "h":
      return value;
  }
  return undefined;
}

/** A value that is well-formed but cannot be stored; only its field is refused. */
export class FieldRefusal {
  constructor(readonly reason: string) {}
}

/** A syntax error; the whole line is refused. */
export class LineError extends Error {}

const INT64_MAX = "9223372036854775807";
const INT64_MIN_ABS = "9223372036854775808";
const UINT64_MAX = "18446744073709551615";

/** True when a digit string (no sign, no leading zeros) is at most `max` (same form). */
function atMost(digits: string, max: string): boolean {
  return digits.length < max.length || (digits.length === max.length && digits <= max);
}

/** `raw` without leading zeros ("0" stays "0"). */
function stripZeros(raw: string): string {
  let i = 0;
  while (i < raw.length - 1 && raw.charCodeAt(i) === 48) i++;
  return i === 0 ? raw : raw.slice(i);
}

/** True when every character of `s` from `from` is an ASCII digit (and there is one). */
function allDigits(s: string, from: number, to = s.length): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

const FLOAT = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** Quotes a raw value for an error message, cut short. */
function show(raw: string): string {
  return JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
}

/**
 * Parses a numeric or boolean field value (not a quoted string). Throws `LineError` on bad
 * syntax or a value out of its type's range; returns a `FieldRefusal` for an integer that is
 * valid but beyond what a float64 holds exactly.
 */
export function fieldValue(raw: string, field: string): number | FieldRefusal {
  const last = raw.charCodeAt(raw.length - 1);
  if (last === 105 /* i */ || last === 117 /* u */) {
    const signed = last === 105;
    const neg = signed && raw.charCodeAt(0) === 45;
    const start = neg ? 1 : 0;
    if (!allDigits(raw, start, raw.length - 1))
      throw new LineError(
        `field ${JSON.stringify(field)}: invalid ${signed ? "integer" : "unsigned"} value ${show(raw)}`,
      );
    const digits = stripZeros(raw.slice(start, -1));
    if (!atMost(digits, signed ? (neg ? INT64_MIN_ABS : INT64_MAX) : UINT64_MAX))
      throw new LineError(
        `field ${JSON.stringify(field)}: ${show(raw)} is out of range for ${signed ? "int64" : "uint64"}`,
      );
    const v = Number(digits);
    if (v > Number.MAX_SAFE_INTEGER)
      return new FieldRefusal(
        `field ${JSON.stringify(field)}: integer ${show(raw)} is beyond ±2^53 and would be rounded (values are float64); send it as a float to accept that`,
      );
    return neg ? 0 - v : v; // 0 - v: "-0i" is 0, not -0
  }
  switch (raw) {
    case "t":
    case "T":
    case "true":
    case "True":
    case "TRUE":
      return 1;
    case "f":
    case "F":
    case "false":
    case "False":
    case "FALSE":
      return 0;
  }
  if (!FLOAT.test(raw)) throw new LineError(`field ${JSON.stringify(field)}: invalid value ${show(raw)}`);
  const v = Number(raw);
  if (!Number.isFinite(v))
    throw new LineError(`field ${JSON.stringify(field)}: ${show(raw)} is out of range for float64`);
  return v;
}

/** Nanoseconds in one unit of each precision. */
const NS_PER: Record<Precision, bigint> = {
  ns: 1n,
  us: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
/** The largest timestamp at each precision whose nanosecond value fits int64 (InfluxDB's range). */
const MAX_AT = Object.fromEntries(
  Object.entries(NS_PER).map(([p, ns]) => [p, (BigInt(INT64_MAX) / ns).toString()]),
) as Record<Precision, string>;

/** What the fast timestamp path needs to know of a precision (see `fastTimestampMs`). */
export interface TimestampSpec {
  /** Digits of the largest timestamp in range. */
  readonly maxDigits: number;
  /** `Number(max.slice(0, n))` for n up to 15 (exact in a float64). */
  readonly maxPrefix: readonly number[];
  /** Digits dropped to reach milliseconds (ns: 6, us: 3, else 0). */
  readonly drop: number;
  /** Milliseconds in one unit (ms, s, m, h). */
  readonly msPer: number;
}

const TIMESTAMP_SPECS = Object.fromEntries(
  (Object.keys(NS_PER) as Precision[]).map((p): [Precision, TimestampSpec] => {
    const max = MAX_AT[p];
    const ns = NS_PER[p];
    return [
      p,
      {
        maxDigits: max.length,
        maxPrefix: Array.from({ length: 16 }, (_, n) => Number(max.slice(0, n) || "0")),
        drop: p === "ns" ? 6 : p === "us" ? 3 : 0,
        msPer: ns >= 1_000_000n ? Number(ns / 1_000_000n) : 0,
      },
    ];
  }),
) as Record<Precision, TimestampSpec>;

/** The fast path's view of `precision`. */
export function timestampSpec(precision: Precision): TimestampSpec {
  return TIMESTAMP_SPECS[precision];
}

/**
 * The common timestamp (a positive integer without leading zeros, within range) read straight
 * from `s[start, end)`, without slicing or BigInt; NaN for anything else (then `timestampMs`
 * decides, with its errors). Integers of up to 15 digits are exact in a float64, and a
 * nanosecond timestamp keeps only its first 13.
 */
export function fastTimestampMs(s: string, start: number, end: number, spec: TimestampSpec): number {
  const n = end - start;
  const keep = n - spec.drop;
  if (keep < 1 || keep > 15 || n > spec.maxDigits || s.charCodeAt(start) === 48) return Number.NaN;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number.NaN;
    if (i - start < keep) v = v * 10 + d;
  }
  // As long as the largest: in range only if its first digits are smaller (equal: the slow path).
  if (n === spec.maxDigits && v >= (spec.maxPrefix[keep] as number)) return Number.NaN;
  return spec.drop === 0 ? v * spec.msPer : v;
}

/** Powers of ten up to 10^15, exact in a float64. */
const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

/**
 * The common float (`-?digits[.digits]` with at most 15 digits in all) read straight from
 * `s[start, end)`; NaN for anything else (then `fieldValue` decides). The digits form an exact
 * integer and the division by an exact power of ten rounds once, so the result is the float64
 * nearest to the decimal, the same as `Number(text)` (Clinger's fast path).
 */
export function fastFloat(s: string, start: number, end: number): number {
  let i = start;
  const neg = s.charCodeAt(i) === 45;
  if (neg) i++;
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (frac >= 0) frac++;
    } else if (c === 46 && frac < 0) frac = 0;
    else return Number.NaN;
  }
  if (digits === 0 || digits > 15) return Number.NaN;
  const v = frac > 0 ? m / (POW10[frac] as number) : m;
  return neg ? -v : v;
}

/** Converts a timestamp at `precision` to epoch milliseconds (rounded down). */
export function timestampMs(raw: string, precision: Precision): number {
  const neg = raw.charCodeAt(0) === 45;
  if (!allDigits(raw, neg ? 1 : 0)) throw new LineError(`invalid timestamp ${show(raw)}`);
  const digits = stripZeros(neg ? raw.slice(1) : raw);
  if (!atMost(digits, MAX_AT[precision])) throw new LineError(`timestamp ${show(raw)} is out of range`);
  if (precision === "ns" || precision === "us") {
    const drop = precision === "ns" ? 6 : 3;
    // Floor, not truncation: -1 ns is in the millisecond before the epoch.
    if (neg) return Number(-((BigInt(digits) + 10n ** BigInt(drop) - 1n) / 10n ** BigInt(drop)));
    return digits.length <= drop ? 0 : Number(digits.slice(0, -drop));
  }
  const ms = Number(digits) * Number(NS_PER[precision] / 1_000_000n);
  return neg ? 0 - ms : ms;
}
