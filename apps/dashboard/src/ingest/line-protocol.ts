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
import { checkNameFor, makeTags, type Tags, tagSetSize } from "../series/series-id.js";
import { invalidUtf8Lines, lineEnd, newlines } from "./line-bounds.js";
import { FieldRefusal, fieldValue, LineError, type Precision, timestampMs } from "./line-values.js";
import { type ParseResult, type Point, type Rejection, rejectionMessage } from "./point.js";

export { type Precision, parsePrecision } from "./line-values.js";

const NL = 10;
const CR = 13;
const SP = 32;
const TAB = 9;
const QUOTE = 34;
const HASH = 35;
const COMMA = 44;
const EQ = 61;
const BSL = 92;

/** Unescapes `\,` and `\ ` (measurements). */
const MEASUREMENT_ESCAPES = /\\([, ])/g;
/** Unescapes `\,` `\=` `\ ` (tag keys, tag values, field keys). */
const KEY_ESCAPES = /\\([,= ])/g;
/** Characters escaped when a measurement becomes the first part of a name. */
const NAME_ESCAPES = /[\\.]/g;

/** Most distinct measurement-and-tags spellings (and field names of one) memoized per body. */
const MAX_SECTIONS = 4096;

/** A parsed, checked measurement and tag set. */
interface Section {
  /** The measurement as the first part of a name (`.` and `\` escaped). */
  mname: string;
  /** Tags (shared by every point of every line with this spelling; never mutated). */
  tags: Tags | undefined;
  /** Size of the tags in a series id (`tagSetSize`). */
  tagsSize: number;
  /** Field key → series name, or why that name cannot be stored. */
  names: Map<string, string | FieldRefusal>;
}

/** A character for an error message. */
function showChar(c: number): string {
  return Number.isNaN(c) ? "end of line" : JSON.stringify(String.fromCharCode(c));
}

/** One pass over a body. */
class LineParser {
  private pos = 0;
  /** Physical line (1-based) of `pos`. */
  private line = 1;
  private readonly len: number;
  /** Measurement-and-tags spellings seen in this body. */
  private readonly sections = new Map<string, Section>();
  /** Field keys of the current line (cleared per line). */
  private readonly seen = new Set<string>();
  /** Refused fields of the current line, kept only if the line parses. */
  private readonly refused: string[] = [];
  /** String fields of the current line. */
  private strings = 0;

  constructor(
    private readonly s: string,
    private readonly precision: Precision,
    /** Physical lines that were not valid UTF-8. */
    private readonly badLines: ReadonlySet<number> | undefined,
    private readonly out: ParseResult,
  ) {
    this.len = s.length;
  }

  private code(i: number): number {
    return this.s.charCodeAt(i); // NaN past the end
  }

  /** True at a line end: `\n`, `\r\n`, a `\r` ending the body, or the end of the body. */
  private atEol(): boolean {
    const c = this.code(this.pos);
    return c === NL || Number.isNaN(c) || (c === CR && (this.pos + 1 === this.len || this.code(this.pos + 1) === NL));
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
    this.out.rejected.push(r);
  }

  /** Scans a key or measurement up to an unescaped stop; returns it unescaped. */
  private token(escapes: RegExp, stopEq: boolean): string {
    const s = this.s;
    const start = this.pos;
    const keyEscapes = escapes === KEY_ESCAPES;
    let escaped = false;
    for (;;) {
      const c = s.charCodeAt(this.pos);
      if (c === BSL) {
        const next = s.charCodeAt(this.pos + 1);
        if (next === COMMA || next === SP || (keyEscapes && next === EQ)) {
          escaped = true;
          this.pos += 2;
          continue;
        }
      } else if (
        c === COMMA ||
        c === SP ||
        c === NL ||
        Number.isNaN(c) ||
        (stopEq && c === EQ) ||
        (c === CR && this.atEol())
      )
        break;
      this.pos++;
    }
    const raw = s.slice(start, this.pos);
    return escaped ? raw.replace(escapes, "$1") : raw;
  }

  /**
   * The measurement and tags at the cursor, parsed and checked once per distinct spelling in a
   * body (a batch repeats few series many times), then taken from `sections`.
   */
  private section(): Section {
    const s = this.s;
    const start = this.pos;
    let end = start;
    for (;;) {
      const c = s.charCodeAt(end);
      if (c === BSL) {
        const next = s.charCodeAt(end + 1);
        if (next === COMMA || next === SP || next === EQ) {
          end += 2;
          continue;
        }
      } else if (
        c === SP ||
        c === NL ||
        Number.isNaN(c) ||
        (c === CR && (end + 1 === this.len || s.charCodeAt(end + 1) === NL))
      )
        break;
      end++;
    }
    const key = s.slice(start, end);
    const cached = this.sections.get(key);
    if (cached !== undefined) {
      this.pos = end;
      return cached;
    }
    const parsed = this.parseSection();
    if (this.sections.size >= MAX_SECTIONS) this.sections.clear();
    this.sections.set(key, parsed);
    return parsed;
  }

  private parseSection(): Section {
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
    return { mname, tags, tagsSize, names: new Map() };
  }

  /** The series name of `field` under `sec`, or why it cannot be stored (memoized per section). */
  private nameOf(sec: Section, field: string): string | FieldRefusal {
    let name = sec.names.get(field);
    if (name === undefined) {
      const full = `${sec.mname}.${field}`;
      const why = checkNameFor(full, sec.tagsSize);
      name = why === undefined ? full : new FieldRefusal(`field ${JSON.stringify(field)}: ${why}`);
      if (sec.names.size < MAX_SECTIONS) sec.names.set(field, name);
    }
    return name;
  }

  private parseLine(lineNo: number): void {
    const sec = this.section();
    if (this.code(this.pos) !== SP) throw new LineError("missing field set");
    while (this.code(this.pos) === SP) this.pos++;
    if (this.atEol()) throw new LineError("missing field set");

    const seen = this.seen;
    seen.clear();
    const fields: Array<[string, number]> = [];
    for (;;) {
      const key = this.token(KEY_ESCAPES, true);
      if (key.length === 0) throw new LineError("empty field key");
      if (this.code(this.pos) !== EQ) throw new LineError(`field ${JSON.stringify(key)}: missing "="`);
      this.pos++;
      if (seen.has(key)) throw new LineError(`field ${JSON.stringify(key)} given twice`);
      seen.add(key);
      if (this.code(this.pos) === QUOTE) {
        this.quoted(key);
        this.strings++;
      } else {
        const start = this.pos;
        while (!this.atEol()) {
          const c = this.code(this.pos);
          if (c === COMMA || c === SP) break;
          this.pos++;
        }
        if (this.pos === start) throw new LineError(`field ${JSON.stringify(key)}: missing value`);
        const v = fieldValue(this.s.slice(start, this.pos), key);
        if (v instanceof FieldRefusal) this.refused.push(v.reason);
        else fields.push([key, v]);
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
      while (!this.atEol() && this.code(this.pos) !== SP) this.pos++;
      ts = timestampMs(this.s.slice(start, this.pos), this.precision);
      while (this.code(this.pos) === SP) this.pos++;
      if (!this.atEol()) throw new LineError("unexpected text after the timestamp");
    }

    const points = this.out.points;
    for (const [key, value] of fields) {
      const name = this.nameOf(sec, key);
      if (name instanceof FieldRefusal) this.refused.push(name.reason);
      else points.push({ name, tags: sec.tags, value, ts, origin: lineNo } satisfies Point);
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
