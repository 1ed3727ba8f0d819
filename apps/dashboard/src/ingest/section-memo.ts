/**
 * The line protocol parser's memo of series spellings (`line-protocol.ts`): each measurement and
 * tag set as written, parsed and checked once, with the series its field keys name.
 */
import type { Tags } from "../series/series-id.js";
import type { FieldRefusal } from "./line-values.js";

/** Most spellings memoized under one hash. */
const MAX_COLLISIONS = 8;

/** Most field names memoized per measurement-and-tags spelling. */
const MAX_FIELDS = 4096;

/**
 * Most measurement-and-tags spellings and field names memoized, together, and most UTF-16 code
 * units of their text: past either, the memo starts over empty.
 */
export const SECTION_MEMO_MAX = { entries: 50_000, chars: 8_000_000 };

/** A field key of one section, as written, and the series it names (memoized per section). */
export interface Field {
  /** The key as written (escapes included): what the next line is compared with. */
  raw: string;
  /** The key (unescaped). */
  key: string;
  /** The series name, or why it cannot be stored. */
  name: string | FieldRefusal;
  /** The series id (`formatSeriesId`), when the name is good. */
  id: string;
}

/** A parsed, checked measurement and tag set. */
export interface Section {
  /** The spelling (measurement and tags as written). */
  text: string;
  /** The next section whose spelling has the same hash. */
  collision: Section | undefined;
  /** The measurement as the first part of a name (`.` and `\` escaped). */
  mname: string;
  /** Tags (shared by every point of every line with this spelling; never mutated). */
  tags: Tags | undefined;
  /** Size of the tags in a series id (`tagSetSize`). */
  tagsSize: number;
  /** Field keys as written → their series. */
  fields: Map<string, Field>;
  /** The field read last: lines of one source repeat their fields in the same order. */
  last: Field | undefined;
}

/**
 * Measurement-and-tags spellings seen lately, by `spellingHash` (collisions chained), shared by
 * every body this process parses: an agent sends the same series in every batch, so a line's
 * series costs a hash and a comparison, not a parse, a check and a series id (a body of 2,000
 * lines over 1,000 series, each in a body of its own, spent a fifth of its parse on that).
 * Bounded by `SECTION_MEMO_MAX`: a stream of new series empties it now and then, and each body
 * then parses its spellings as it did before the memo.
 */
export class SectionMemo {
  private readonly byHash = new Map<number, Section>();
  private entries = 0;
  private chars = 0;

  /** The section spelled `s.substring(start, end)`, hashed `h`, if memoized. */
  find(h: number, s: string, start: number, end: number): Section | undefined {
    for (let sec = this.byHash.get(h); sec !== undefined; sec = sec.collision)
      // substring + === compares natively (startsWith at an offset walks characters in JS speed).
      if (sec.text.length === end - start && s.substring(start, end) === sec.text) return sec;
    return undefined;
  }

  /**
   * Memoizes `sec` under hash `h`, unless `MAX_COLLISIONS` spellings share that hash (FNV-1a is
   * no defence against a body of crafted collisions: each of its lines would walk the chain).
   */
  add(h: number, sec: Section): void {
    let depth = 0;
    for (let other = this.byHash.get(h); other !== undefined; other = other.collision)
      if (++depth >= MAX_COLLISIONS) return;
    this.count(1, 2 * sec.text.length);
    sec.collision = this.byHash.get(h);
    this.byHash.set(h, sec);
  }

  /** Memoizes field `f` of `sec`. */
  addField(sec: Section, f: Field): void {
    if (sec.fields.size >= MAX_FIELDS) return;
    this.count(1, f.raw.length + f.id.length);
    sec.fields.set(f.raw, f);
  }

  /** Spellings and field names memoized, and the code units of their text. */
  get size(): { entries: number; chars: number } {
    return { entries: this.entries, chars: this.chars };
  }

  private count(entries: number, chars: number): void {
    this.entries += entries;
    this.chars += chars;
    if (this.entries <= SECTION_MEMO_MAX.entries && this.chars <= SECTION_MEMO_MAX.chars) return;
    // Sections already handed out keep working; they are just no longer found.
    this.byHash.clear();
    this.entries = entries;
    this.chars = chars;
  }
}

/** The process's memo, shared by every body it parses. */
export const memo = new SectionMemo();
