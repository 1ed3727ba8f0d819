/**
 * InfluxDB line protocol parser (what Telegraf's `influxdb` output speaks):
 * `measurement[,tag=v...] field=value[,field2=value2...] [timestamp]`
 * (https://docs.influxdata.com/influxdb/v2/reference/syntax/line-protocol/).
 *
 * Each numeric field becomes one point named `measurement.field`. Escaping follows the spec:
 * in measurements `\,` and `\ `; in tag keys, tag values and field keys `\,` `\=` `\ `; in string
 * field values `\"` and `\\`. A backslash before any other character is kept literally.
 * Policies: string fields are skipped (dashwire stores numbers) and counted as `ignored`; a line
 * whose fields are all strings is rejected; characters outside the series charset in names and
 * tags are replaced by `_` (tools like Telegraf send what the host reports, e.g. spaces).
 */
import { ApiErrorCode } from "../errors.js";
import { checkSeries, sanitizeSeriesPart, type Tags } from "../series/series-id.js";
import type { ParseResult, Point } from "./point.js";

/** Timestamp precisions accepted in `?precision=` (InfluxDB v1 short names included). */
export type Precision = "ns" | "us" | "ms" | "s";

const PRECISION_ALIASES: Record<string, Precision> = { ns: "ns", n: "ns", us: "us", u: "us", ms: "ms", s: "s" };

/** Reads a `?precision=` value; undefined when it is not one of ns, us, ms, s (or n, u). */
export function parsePrecision(value: string): Precision | undefined {
  return PRECISION_ALIASES[value];
}

const INT = /^[-+]?\d+$/;
const FLOAT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const TRUE = new Set(["t", "T", "true", "True", "TRUE"]);
const FALSE = new Set(["f", "F", "false", "False", "FALSE"]);

/** A syntax error in one line; caught per line. */
class LineError extends Error {}

/** Cursor over one line. */
class Scanner {
  pos = 0;
  constructor(readonly s: string) {}

  /** Reads up to (not including) an unescaped stop character; `escapable` lists what `\` escapes. */
  token(stops: string, escapable: string): string {
    let out = "";
    const s = this.s;
    while (this.pos < s.length) {
      const c = s[this.pos] as string;
      if (c === "\\" && this.pos + 1 < s.length && escapable.includes(s[this.pos + 1] as string)) {
        out += s[this.pos + 1];
        this.pos += 2;
        continue;
      }
      if (stops.includes(c)) break;
      out += c;
      this.pos++;
    }
    return out;
  }

  /** Reads a double-quoted string field value; the cursor is on the opening quote. */
  quoted(): string {
    let out = "";
    const s = this.s;
    this.pos++;
    while (this.pos < s.length) {
      const c = s[this.pos] as string;
      if (c === "\\" && (s[this.pos + 1] === '"' || s[this.pos + 1] === "\\")) {
        out += s[this.pos + 1];
        this.pos += 2;
        continue;
      }
      if (c === '"') {
        this.pos++;
        return out;
      }
      out += c;
      this.pos++;
    }
    throw new LineError("unterminated string field value");
  }

  peek(): string | undefined {
    return this.s[this.pos];
  }
}

/** Parses a numeric (or boolean) field value; null for a string, throws on garbage. */
function fieldValue(raw: string, key: string): number {
  const last = raw[raw.length - 1];
  if (last === "i" || last === "u") {
    const digits = raw.slice(0, -1);
    if (!INT.test(digits) || (last === "u" && digits.startsWith("-")))
      throw new LineError(
        `field ${key}: invalid ${last === "i" ? "integer" : "unsigned"} value ${JSON.stringify(raw)}`,
      );
    return Number(digits);
  }
  if (TRUE.has(raw)) return 1;
  if (FALSE.has(raw)) return 0;
  if (!FLOAT.test(raw)) throw new LineError(`field ${key}: invalid value ${JSON.stringify(raw.slice(0, 40))}`);
  const v = Number(raw);
  if (!Number.isFinite(v)) throw new LineError(`field ${key}: value out of range`);
  return v;
}

/** Converts a timestamp string at `precision` to epoch milliseconds. */
function timestampMs(raw: string, precision: Precision): number {
  if (!INT.test(raw)) throw new LineError(`invalid timestamp ${JSON.stringify(raw.slice(0, 40))}`);
  switch (precision) {
    case "ns":
      return Number(BigInt(raw) / 1_000_000n);
    case "us":
      return Number(BigInt(raw) / 1_000n);
    case "ms":
      return Number(raw);
    case "s":
      return Number(raw) * 1000;
  }
}

/** Parses one non-empty line into points (one per numeric field). */
function parseLine(line: string, lineNo: number, precision: Precision, out: Point[]): number {
  const sc = new Scanner(line);
  const measurement = sc.token(", ", ", ");
  if (measurement.length === 0) throw new LineError("missing measurement");
  let tags: Tags | undefined;
  while (sc.peek() === ",") {
    sc.pos++;
    const k = sc.token("=, ", ",= ");
    if (sc.peek() !== "=") throw new LineError(`tag ${JSON.stringify(k)}: missing "="`);
    sc.pos++;
    const v = sc.token(", ", ",= ");
    if (k.length === 0) throw new LineError("empty tag key");
    if (v.length === 0) throw new LineError(`tag ${k}: empty value`);
    tags ??= {};
    tags[sanitizeSeriesPart(k)] = sanitizeSeriesPart(v);
  }
  if (sc.peek() !== " ") throw new LineError("missing field set");
  while (sc.peek() === " ") sc.pos++;

  const fields: Array<[string, number]> = [];
  let ignored = 0;
  for (;;) {
    const key = sc.token("=, ", ",= ");
    if (key.length === 0) throw new LineError("empty field key");
    if (sc.peek() !== "=") throw new LineError(`field ${key}: missing "="`);
    sc.pos++;
    if (sc.peek() === '"') {
      sc.quoted();
      ignored++;
    } else {
      const raw = sc.token(", ", "");
      if (raw.length === 0) throw new LineError(`field ${key}: missing value`);
      fields.push([key, fieldValue(raw, key)]);
    }
    const c = sc.peek();
    if (c === ",") {
      sc.pos++;
      continue;
    }
    if (c === undefined || c === " ") break;
    throw new LineError(`field ${key}: unexpected ${JSON.stringify(c)} after value`);
  }
  if (fields.length === 0) throw new LineError("no numeric field (string fields are not stored)");

  let ts: number | undefined;
  const rest = line.slice(sc.pos).trim();
  if (rest.length > 0) ts = timestampMs(rest, precision);

  const name0 = sanitizeSeriesPart(measurement);
  for (const [key, value] of fields) {
    const name = `${name0}.${sanitizeSeriesPart(key)}`;
    const why = checkSeries(name, tags);
    if (why !== undefined) throw new LineError(why);
    out.push({ name, tags, value, ts, origin: lineNo });
  }
  return ignored;
}

/** Parses a line protocol body. Bad lines are listed in `rejected`; the others are kept. */
export function parseLineProtocol(body: string, precision: Precision = "ns"): ParseResult {
  const result: ParseResult = { points: [], rejected: [], ignored: 0 };
  let lineNo = 0;
  let start = 0;
  while (start <= body.length) {
    let end = body.indexOf("\n", start);
    if (end === -1) end = body.length;
    lineNo++;
    let line = body.slice(start, end);
    start = end + 1;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    const trimmed = line.trimStart();
    if (trimmed.length === 0 || trimmed.startsWith("#")) continue;
    const before = result.points.length;
    try {
      result.ignored += parseLine(trimmed, lineNo, precision, result.points);
    } catch (err) {
      // A line is all or nothing: drop the fields already taken from it.
      result.points.length = before;
      if (!(err instanceof LineError)) throw err;
      result.rejected.push({ line: lineNo, error: err.message, code: ApiErrorCode.InvalidField });
    }
  }
  return result;
}
