/**
 * Where line protocol lines begin and end when a line went wrong: the parser resynchronizes on
 * the next line with `lineEnd`, counts the newlines it skipped with `newlines`, and refuses the
 * lines `invalidUtf8Lines` finds before decoding (a decoder would turn different bad bytes into
 * the same U+FFFD, merging names).
 */
import { isUtf8 } from "node:buffer";

const NL = 10;
const SP = 32;
const QUOTE = 34;
const COMMA = 44;
const EQ = 61;
const BSL = 92;

/**
 * Where the logical line starting at `start` ends (its `\n`, or the end of `s`), by the same
 * rules as the parser but without checking anything: after the first unescaped space, a `"`
 * right after an unescaped `=` opens a string value, which may hold newlines.
 */
export function lineEnd(s: string, start: number): number {
  let inFields = false;
  let quoted = false;
  let afterEq = false;
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (quoted) {
      if (c === BSL && (s.charCodeAt(i + 1) === QUOTE || s.charCodeAt(i + 1) === BSL)) i++;
      else if (c === QUOTE) quoted = false;
      continue;
    }
    if (c === NL) return i;
    if (c === BSL) {
      const next = s.charCodeAt(i + 1);
      if (next === COMMA || next === SP || next === EQ) i++;
      afterEq = false;
      continue;
    }
    if (!inFields) inFields = c === SP;
    else if (c === QUOTE && afterEq) quoted = true;
    afterEq = c === EQ;
  }
  return s.length;
}

/** Newlines of `s` in `[from, to)`. */
export function newlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = s.indexOf("\n", from); i !== -1 && i < to; i = s.indexOf("\n", i + 1)) n++;
  return n;
}

/** Physical lines (1-based) of `body` that are not valid UTF-8. */
export function invalidUtf8Lines(body: Buffer): Set<number> {
  const bad = new Set<number>();
  let line = 1;
  let start = 0;
  while (start <= body.length) {
    let end = body.indexOf(NL, start);
    if (end === -1) end = body.length;
    if (!isUtf8(body.subarray(start, end))) bad.add(line);
    line++;
    start = end + 1;
  }
  return bad;
}
