/**
 * The cursor the line-protocol parser (line-protocol.ts) walks a body with: the characters it
 * stops at, line ends as InfluxDB reads them (`\n`, `\r\n`, a `\r` ending the body), keys scanned
 * up to an unescaped stop, and the hash its section memo is keyed by. Kept apart so the parser
 * holds only the grammar.
 */

/** Character codes the grammar stops at. */
export const NL = 10;
export const CR = 13;
export const SP = 32;
export const TAB = 9;
export const QUOTE = 34;
export const HASH = 35;
export const COMMA = 44;
export const EQ = 61;
export const BSL = 92;

/** Unescapes `\,` and `\ ` (measurements). */
export const MEASUREMENT_ESCAPES = /\\([, ])/g;
/** Unescapes `\,` `\=` `\ ` (tag keys, tag values, field keys). */
export const KEY_ESCAPES = /\\([,= ])/g;
/** Characters escaped when a measurement becomes the first part of a name. */
export const NAME_ESCAPES = /[\\.]/g;

/**
 * FNV-1a over `s[start, end)`, kept below 2^30 so Map keys stay small integers (unboxed); -1
 * when a character is a control character (a line end among them), with `stopOnControl`.
 */
export function spellingHash(s: string, start: number, end: number, stopOnControl: boolean): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 && stopOnControl) return -1;
    h = Math.imul(h ^ c, 16777619);
  }
  return h & 0x3fffffff;
}

/** A character for an error message. */
export function showChar(c: number): string {
  return Number.isNaN(c) ? "end of line" : JSON.stringify(String.fromCharCode(c));
}

/** A position in a body, with the scans every part of the grammar uses. */
export class LineCursor {
  protected pos = 0;
  /** Physical line (1-based) of `pos`. */
  protected line = 1;
  protected readonly len: number;

  constructor(protected readonly s: string) {
    this.len = s.length;
  }

  protected code(i: number): number {
    return this.s.charCodeAt(i); // NaN past the end
  }

  /** True at a line end: `\n`, `\r\n`, a `\r` ending the body, or the end of the body. */
  protected atEol(): boolean {
    const c = this.code(this.pos);
    return c === NL || Number.isNaN(c) || (c === CR && (this.pos + 1 === this.len || this.code(this.pos + 1) === NL));
  }

  /** Scans a key or measurement up to an unescaped stop; returns it unescaped. */
  protected token(escapes: RegExp, stopEq: boolean): string {
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

  /** Where the spelling starting at `start` ends: its first unescaped space, or the line end. */
  protected sectionEnd(start: number): number {
    const s = this.s;
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
        return end;
      end++;
    }
  }
}
