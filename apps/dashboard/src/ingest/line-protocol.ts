/**
 * InfluxDB line protocol parser (what Telegraf's `influxdb` outputs speak):
 * `measurement[,tag=v...] field=value[,field2=value2...] [timestamp]`
 * (https://docs.influxdata.com/influxdb/v2/reference/syntax/line-protocol/), checked against the
 * cases of InfluxDB's own parser tests (line-protocol.cases.test.ts).
 *
 * Each numeric field becomes one point named `<measurement>.<field>`; a `.` or `\` inside the
 * measurement is written `\.` / `\\` there, so (`a.b`, `c`) and (`a`, `b.c`) stay two series.
 * Names and tags are kept as written (Unicode included); nothing is replaced or merged. Escapes
 * follow InfluxDB: `\,` and `\ ` in measurements; `\,` `\=` `\ ` in tag keys, tag values and field
 * keys; `\"` and `\\` in string values; a backslash before anything else is kept literally.
 * A quoted string value may hold newlines. String fields are skipped (dashwire stores numbers)
 * and counted as `ignored`; a line of only string fields is not an error.
 *
 * Refusals name the line (1-based, counting every newline of the body): a syntax error, a bad or
 * repeated tag, a field given twice or invalid UTF-8 refuses the whole line; a field whose value
 * or series name cannot be stored is refused alone and the line's other fields are kept.
 */
import { isUtf8 } from "node:buffer";
import { ApiErrorCode } from "../errors.js";
import { checkNameFor, formatSeriesId, makeTags, type Tags, tagSetSize } from "../series/series-id.js";
import { invalidUtf8Lines, lineEnd, newlines } from "./line-bounds.js";
import {
  BSL,
  COMMA,
  CR,
  EQ,
  HASH,
  KEY_ESCAPES,
  LineCursor,
  MEASUREMENT_ESCAPES,
  NAME_ESCAPES,
  NL,
  QUOTE,
  SP,
  showChar,
  spellingHash,
  TAB,
} from "./line-cursor.js";
import {
  FieldRefusal,
  fastFloat,
  fastTimestampMs,
  fieldValue,
  LineError,
  type Precision,
  type TimestampSpec,
  timestampMs,
  timestampSpec,
} from "./line-values.js";
import { type ParseResult, type Point, type Rejection, refuse, rejectionMessage } from "./point.js";
import { type Field, memo, type Section } from "./section-memo.js";

export { type Precision, parsePrecision } from "./line-values.js";

/** One pass over a body. */
class LineParser extends LineCursor {
  /** Field keys of the current line, once it has more than one (cleared per line). */
  private readonly seen = new Set<string>();
  /** Fields and values of the current line, reused from line to line. */
  private readonly lineFields: Field[] = [];
  private readonly lineValues: number[] = [];
  /** Refused fields of the current line, kept only if the line parses. */
  private readonly refused: string[] = [];
  /** String fields of the current line. */
  private strings = 0;
  /** Key of the current line's previous field. */
  private lastKey = "";
  private readonly tsSpec: TimestampSpec;

  constructor(
    s: string,
    private readonly precision: Precision,
    /** Physical lines that were not valid UTF-8. */
    private readonly badLines: ReadonlySet<number> | undefined,
    private readonly out: ParseResult,
  ) {
    super(s);
    this.tsSpec = timestampSpec(precision);
  }

  run(): void {
    while (this.pos < this.len) {
      let c = this.code(this.pos);
      while (c === SP || c === TAB) c = this.code(++this.pos);
      if (c === NL) {
        this.pos++;
        this.line++;
        continue;
      }
      if (this.atEol()) {
        this.pos++;
        continue;
      }
      if (c === HASH) {
        const nl = this.s.indexOf("\n", this.pos);
        this.pos = nl === -1 ? this.len : nl;
        continue;
      }
      this.lineAt(this.pos);
    }
  }

  /** Parses the logical line starting at `start`, keeping its points or refusing it. */
  private lineAt(start: number): void {
    const startLine = this.line;
    const points = this.out.points;
    const before = points.length;
    this.refused.length = 0;
    this.strings = 0;
    let error: string | undefined;
    try {
      this.parseLine(startLine);
    } catch (err) {
      if (!(err instanceof LineError)) throw err;
      error = err.message;
      const end = lineEnd(this.s, start);
      this.line = startLine + newlines(this.s, start, end);
      if (end === this.len && this.line > startLine)
        error += ` (lines ${startLine}-${this.line} were read as one line)`;
      this.pos = end;
    }
    if (this.badLines !== undefined) {
      for (let l = startLine; l <= this.line; l++)
        if (this.badLines.has(l)) {
          error = "invalid UTF-8";
          break;
        }
    }
    if (error !== undefined) {
      points.length = before;
      this.reject(startLine, error);
      return;
    }
    this.out.ignored += this.strings;
    for (const why of this.refused) this.reject(startLine, why);
  }

  private reject(line: number, error: string): void {
    const r: Rejection = { line, error: rejectionMessage(error), code: ApiErrorCode.InvalidField };
    refuse(this.out, r);
  }

  /**
   * The measurement and tags at the cursor, parsed and checked once per distinct spelling (see
   * `SectionMemo`), then found by a hash of the spelling, compared in place: a known spelling
   * costs no string.
   */
  private section(): Section {
    const s = this.s;
    const start = this.pos;
    // Common case: the spelling ends at the line's first space. A space right after a backslash
    // is escaped (a backslash never escapes a backslash), and a control character may be a line
    // end: those take the full scan.
    let end = s.indexOf(" ", start);
    let h = end > start && s.charCodeAt(end - 1) !== BSL ? spellingHash(s, start, end, true) : -1;
    if (h === -1) {
      end = this.sectionEnd(start);
      h = spellingHash(s, start, end, false);
    }
    const known = memo.find(h, s, start, end);
    if (known !== undefined) {
      this.pos = end;
      return known;
    }
    const parsed = this.parseSection(s.slice(start, end));
    memo.add(h, parsed);
    return parsed;
  }

  private parseSection(text: string): Section {
    const measurement = this.token(MEASUREMENT_ESCAPES, false);
    if (measurement.length === 0) throw new LineError("missing measurement");
    const mname =
      measurement.includes(".") || measurement.includes("\\") ? measurement.replace(NAME_ESCAPES, "\\$&") : measurement;
    const bad = checkNameFor(mname, 0);
    if (bad !== undefined) throw new LineError(`measurement: ${bad.replace(/^name /, "")}`);

    let tags: Tags | undefined;
    while (this.code(this.pos) === COMMA) {
      this.pos++;
      const key = this.token(KEY_ESCAPES, true);
      if (this.code(this.pos) !== EQ)
        throw new LineError(key.length === 0 ? "empty tag key" : `tag ${JSON.stringify(key)}: missing "="`);
      if (key.length === 0) throw new LineError("empty tag key");
      this.pos++;
      const value = this.token(KEY_ESCAPES, true);
      if (this.code(this.pos) === EQ) throw new LineError(`tag ${JSON.stringify(key)}: unescaped "=" in its value`);
      if (value.length === 0) throw new LineError(`tag ${JSON.stringify(key)}: empty value`);
      tags ??= makeTags();
      if (key in tags) throw new LineError(`tag ${JSON.stringify(key)} given twice`);
      tags[key] = value;
    }
    const tagsSize = tagSetSize(tags);
    if (typeof tagsSize === "string") throw new LineError(tagsSize);
    return { text, collision: undefined, mname, tags, tagsSize, fields: new Map(), last: undefined };
  }

  /**
   * The field key at the cursor (up to an unescaped `=`, `,`, space or line end) and its series
   * under `sec`: the previous line's key first (compared in place), then the section's memo,
   * else parsed and checked.
   */
  private field(sec: Section): Field {
    const s = this.s;
    const pos = this.pos;
    const last = sec.last;
    // A memoized spelling was followed by an unescaped "=" (so it does not end in a backslash
    // that would escape it): the same text followed by "=" scans to the same key.
    if (last !== undefined && s.charCodeAt(pos + last.raw.length) === EQ && s.startsWith(last.raw, pos)) {
      this.pos = pos + last.raw.length;
      return last;
    }
    const key = this.token(KEY_ESCAPES, true);
    const followed = s.charCodeAt(this.pos) === EQ;
    const raw = s.slice(pos, this.pos);
    let f = sec.fields.get(raw);
    if (f === undefined) {
      const full = `${sec.mname}.${key}`;
      const why = key.length === 0 ? undefined : checkNameFor(full, sec.tagsSize);
      f = {
        raw,
        key,
        name: why === undefined ? full : new FieldRefusal(`field ${JSON.stringify(key)}: ${why}`),
        id: why === undefined && key.length > 0 ? formatSeriesId(full, sec.tags) : "",
      };
      if (followed && key.length > 0) memo.addField(sec, f);
    }
    if (followed && key.length > 0) sec.last = f;
    return f;
  }

  /** End of a field value (`stopComma`) or timestamp starting at `i`: the next separator or line end. */
  private valueEnd(i: number, stopComma: boolean): number {
    const s = this.s;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === SP || c === NL || Number.isNaN(c) || (c === COMMA && stopComma)) return i;
      if (c === CR && (i + 1 === this.len || s.charCodeAt(i + 1) === NL)) return i;
      i++;
    }
  }

  private parseLine(lineNo: number): void {
    const sec = this.section();
    if (this.code(this.pos) !== SP) throw new LineError("missing field set");
    while (this.code(this.pos) === SP) this.pos++;
    if (this.atEol()) throw new LineError("missing field set");

    const s = this.s;
    const seen = this.seen;
    const fields = this.lineFields;
    const values = this.lineValues;
    let kept = 0;
    let count = 0;
    for (;;) {
      const f = this.field(sec);
      const key = f.key;
      if (key.length === 0) throw new LineError("empty field key");
      if (this.code(this.pos) !== EQ) throw new LineError(`field ${JSON.stringify(key)}: missing "="`);
      this.pos++;
      // A line of one field (the common case) needs no set.
      if (count === 1) {
        seen.clear();
        seen.add(this.lastKey);
      }
      if (count >= 1) {
        if (seen.has(key)) throw new LineError(`field ${JSON.stringify(key)} given twice`);
        seen.add(key);
      }
      this.lastKey = key;
      count++;
      if (this.code(this.pos) === QUOTE) {
        this.quoted(key);
        this.strings++;
      } else {
        const start = this.pos;
        const end = this.valueEnd(start, true);
        this.pos = end;
        if (end === start) throw new LineError(`field ${JSON.stringify(key)}: missing value`);
        const fast = fastFloat(s, start, end);
        const v = Number.isNaN(fast) ? fieldValue(s.slice(start, end), key) : fast;
        if (v instanceof FieldRefusal) this.refused.push(v.reason);
        else {
          fields[kept] = f;
          values[kept++] = v;
        }
      }
      const c = this.code(this.pos);
      if (c === COMMA) {
        this.pos++;
        continue;
      }
      if (c === SP || this.atEol()) break;
      throw new LineError(`field ${JSON.stringify(key)}: unexpected ${showChar(c)} after its value`);
    }

    while (this.code(this.pos) === SP) this.pos++;
    let ts: number | undefined;
    if (!this.atEol()) {
      const start = this.pos;
      const end = this.valueEnd(start, false);
      this.pos = end;
      const fast = fastTimestampMs(s, start, end, this.tsSpec);
      ts = Number.isNaN(fast) ? timestampMs(s.slice(start, end), this.precision) : fast;
      while (this.code(this.pos) === SP) this.pos++;
      if (!this.atEol()) throw new LineError("unexpected text after the timestamp");
    }

    const points = this.out.points;
    const tags = sec.tags;
    for (let i = 0; i < kept; i++) {
      const f = fields[i] as Field;
      const name = f.name;
      if (name instanceof FieldRefusal) this.refused.push(name.reason);
      else points.push({ name, tags, value: values[i] as number, ts, origin: lineNo, id: f.id } satisfies Point);
    }
  }

  /** Skips a quoted string value (the cursor is on its opening quote); it may span lines. */
  private quoted(key: string): void {
    const s = this.s;
    let i = this.pos + 1;
    for (;;) {
      const c = s.charCodeAt(i);
      if (Number.isNaN(c)) throw new LineError(`field ${JSON.stringify(key)}: unterminated string value`);
      if (c === BSL) {
        const next = s.charCodeAt(i + 1);
        if (next === QUOTE || next === BSL) {
          i += 2;
          continue;
        }
      } else if (c === QUOTE) break;
      else if (c === NL) this.line++;
      i++;
    }
    this.pos = i + 1;
  }
}

/**
 * Parses a line protocol body (a Buffer is checked for valid UTF-8 line by line). Bad lines and
 * fields are listed in `rejected`; everything else is kept.
 */
export function parseLineProtocol(body: string | Buffer, precision: Precision = "ns"): ParseResult {
  let text: string;
  let badLines: Set<number> | undefined;
  if (typeof body === "string") text = body;
  else {
    if (!isUtf8(body)) badLines = invalidUtf8Lines(body);
    text = body.toString("utf8");
  }
  // A byte order mark is not part of the first measurement's name.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const result: ParseResult = { points: [], rejected: [], ignored: 0 };
  new LineParser(text, precision, badLines, result).run();
  return result;
}
