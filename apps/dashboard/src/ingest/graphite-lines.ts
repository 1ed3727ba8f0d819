/**
 * Graphite's plaintext protocol (carbon's line receiver): `<path> <value> [<timestamp>]`, one
 * metric a line, and Graphite 1.1's tagged form `<path>;<tag>=<value>;… <value> <timestamp>`.
 * The path is the series name as written (`servers.web-1.cpu.load`; dots are not split into
 * tags), the tags are tags. The timestamp is in seconds (a fraction is kept to the millisecond);
 * none, or `-1`, means now (as carbon and Telegraf read it). NaN and ±Inf are counted as
 * ignored: the store cannot hold them. Lines that are not valid UTF-8 are refused before
 * decoding (a decoder would turn different bad bytes into the same U+FFFD, merging names).
 *
 * Refusals cost a counter only: a TCP stream has nobody to answer, so just the first few keep a
 * message (for the log), however many lines a batch refuses.
 */
import { isUtf8 } from "node:buffer";
import { ApiErrorCode } from "../errors.js";
import { checkSeries, makeTags, type Tags } from "../series/series-id.js";
import { type ParseResult, rejectionMessage } from "./point.js";

/** Longest Graphite line, in bytes: a valid one (series id ≤ 2 KiB, value, timestamp) is far shorter. */
export const MAX_GRAPHITE_LINE_BYTES = 4096;

/** Refusals of a batch that keep their message (the rest are only counted). */
const LISTED = 10;

/** Parsed lines of one batch: the points, the first refusals, and how many lines were refused in all. */
export interface GraphiteBatch {
  /** Points and the first `LISTED` refusals (line numbers count from the batch's `firstLine`). */
  parsed: ParseResult;
  /** Lines refused, listed or not. */
  refused: number;
  /** Number of the line after the batch (the next batch's `firstLine`). */
  nextLine: number;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A decimal number as carbon and StatsD read them (`1`, `-0.5`, `.5`, `1e3`), or NaN for anything else (`0x10`, `""`, `Infinity`). */
export function parseDecimal(text: string): number {
  return DECIMAL.test(text) ? Number(text) : Number.NaN;
}
const NOT_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;
const SPACES = /[ \t]+/;

/** The value of a line, `null` when it is NaN or ±Inf (ignored), or why it is refused. */
function lineValue(text: string): number | null | string {
  if (DECIMAL.test(text)) {
    const v = Number(text);
    return Number.isFinite(v) ? v : null;
  }
  return NOT_FINITE.test(text) ? null : `invalid value ${JSON.stringify(text.slice(0, 40))}`;
}

/** The timestamp of a line in ms (undefined: now), or why it is refused. */
function timestampOf(text: string | undefined): number | undefined | string {
  if (text === undefined || text === "-1") return undefined;
  if (!DECIMAL.test(text)) return `invalid timestamp ${JSON.stringify(text.slice(0, 40))} (seconds expected)`;
  const s = Number(text);
  if (!Number.isFinite(s) || s < 0) return `invalid timestamp ${JSON.stringify(text.slice(0, 40))} (seconds expected)`;
  return Math.floor(s * 1000);
}

/** Splits `path;k=v;…` into the name and tags, or says why it cannot be. */
function seriesOf(path: string): { name: string; tags: Tags | undefined } | string {
  const semi = path.indexOf(";");
  if (semi === -1) return { name: path, tags: undefined };
  const tags = makeTags();
  let count = 0;
  for (const pair of path.slice(semi + 1).split(";")) {
    // A tagged path is short (the id limit); past the tag limit there is no use reading on.
    if (++count > 64) return "too many tags";
    const eq = pair.indexOf("=");
    if (eq <= 0 || eq === pair.length - 1) return `tag ${JSON.stringify(pair.slice(0, 40))} is not tag=value`;
    const key = pair.slice(0, eq);
    if (key in tags) return `tag ${JSON.stringify(key.slice(0, 40))} given twice`;
    tags[key] = pair.slice(eq + 1);
  }
  return { name: path.slice(0, semi), tags };
}

/** One line's point or why it is refused (`null`: ignored). */
function parseLine(line: string, origin: number, result: ParseResult): string | undefined {
  const fields = line.trim().split(SPACES);
  if (fields.length < 2 || fields.length > 3)
    return `expected "<path> <value> [<timestamp>]", got ${fields.length} field(s)`;
  const series = seriesOf(fields[0] as string);
  if (typeof series === "string") return series;
  const why = checkSeries(series.name, series.tags);
  if (why !== undefined) return why;
  const value = lineValue(fields[1] as string);
  if (typeof value === "string") return value;
  const ts = timestampOf(fields[2]);
  if (typeof ts === "string") return ts;
  if (value === null) result.ignored++;
  else result.points.push({ name: series.name, tags: series.tags, value, ts, origin });
  return undefined;
}

/**
 * Parses complete lines (each ending in `\n`, or the last one at the end of the stream);
 * `firstLine` is the number of the batch's first line on its connection.
 */
export function parseGraphiteLines(body: Buffer, firstLine: number): GraphiteBatch {
  const parsed: ParseResult = { points: [], rejected: [], ignored: 0 };
  let refused = 0;
  let line = firstLine;
  for (let start = 0; start < body.length; line++) {
    let end = body.indexOf(10, start);
    if (end === -1) end = body.length;
    const bytes = body.subarray(start, end);
    start = end + 1;
    let why: string | undefined;
    if (bytes.length > MAX_GRAPHITE_LINE_BYTES) why = `line longer than ${MAX_GRAPHITE_LINE_BYTES} bytes`;
    else if (!isUtf8(bytes)) why = "not valid UTF-8";
    else {
      const text = bytes.toString("utf8");
      if (text.trim() === "") continue;
      why = parseLine(text, line, parsed);
    }
    if (why === undefined) continue;
    refused++;
    if (parsed.rejected.length < LISTED)
      parsed.rejected.push({ line, error: rejectionMessage(why), code: ApiErrorCode.InvalidField });
  }
  return { parsed, refused, nextLine: line };
}
