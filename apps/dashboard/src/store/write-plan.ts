/**
 * The engine-independent part of a write: points grouped into 1-second cells, each cell merged
 * (`mergeCell`), and what that means for the coarser resolutions: the rollup of the new points
 * is merged into their buckets, and a bucket that got a replaced point is recomputed from its
 * 1-second cells instead. Engines only read and write rows; the rules live here.
 */
import { type Agg, type Cell, type CellMerge, type CellWrite, mergeAgg, mergeCell } from "./cell.js";

/** A point with its series' numeric id, as the engines write it. */
export interface SidPoint {
  sid: number;
  ts: number;
  value: number;
}

/** The points of one series in one second: `[ts, value, …]` sorted by ts, each ts once. */
export interface CellGroup {
  sid: number;
  /** Start of the second, ms. */
  t: number;
  pairs: Float64Array;
}

/** Groups points by series and second, sorted by (sid, t); within a batch the later point of a ts wins. */
export function groupBySecond(points: readonly SidPoint[]): CellGroup[] {
  const bySid = new Map<number, Map<number, number[]>>();
  for (let i = 0; i < points.length; i++) {
    const p = points[i] as SidPoint;
    const t = Math.floor(p.ts / 1000) * 1000;
    let seconds = bySid.get(p.sid);
    if (seconds === undefined) {
      seconds = new Map();
      bySid.set(p.sid, seconds);
    }
    const list = seconds.get(t);
    if (list === undefined) seconds.set(t, [p.ts, p.value]);
    else list.push(p.ts, p.value);
  }
  const groups: CellGroup[] = [];
  for (const [sid, seconds] of bySid)
    for (const [t, list] of seconds) groups.push({ sid, t, pairs: sortedUnique(list) });
  groups.sort((a, b) => a.sid - b.sid || a.t - b.t);
  return groups;
}

/** `[ts, value, …]` sorted by ts with one entry per ts (the last given wins). */
function sortedUnique(list: number[]): Float64Array {
  let ordered = true;
  for (let i = 2; i < list.length; i += 2) if ((list[i] as number) <= (list[i - 2] as number)) ordered = false;
  if (ordered) return Float64Array.from(list);
  // Stable by arrival: among equal ts the latest index wins.
  const idx: number[] = [];
  for (let i = 0; i < list.length; i += 2) idx.push(i);
  idx.sort((a, b) => (list[a] as number) - (list[b] as number) || a - b);
  const out: number[] = [];
  for (const i of idx) {
    const ts = list[i] as number;
    if (out.length > 0 && out[out.length - 2] === ts) out[out.length - 1] = list[i + 1] as number;
    else out.push(ts, list[i + 1] as number);
  }
  return Float64Array.from(out);
}

/** A bucket of a coarser resolution and what to do with it. */
export interface CoarseChange {
  sid: number;
  t: number;
  /** Rollup of new points to merge in; undefined when the bucket must be recomputed. */
  add: Agg | undefined;
}

/** The 1-second cells to store and the coarse buckets to change, per coarser resolution. */
export interface WritePlan {
  cells: Array<{ sid: number; t: number; cell: Cell; kind: CellWrite }>;
  /** Index i: changes for resolution i + 1, sorted by (sid, t). */
  coarse: CoarseChange[][];
}

/**
 * Merges every group into its stored cell (`existing(i)` is the stored rollup of `groups[i]`,
 * `rawOf(i)` reads its stored points, only when needed) and derives the coarse changes for
 * `coarseMs` (bucket widths of the coarser resolutions).
 */
export function planWrite(
  groups: readonly CellGroup[],
  existing: (i: number) => Agg | undefined,
  rawOf: (i: number) => Float64Array | undefined,
  coarseMs: readonly number[],
): WritePlan {
  const cells: WritePlan["cells"] = [];
  const coarse = coarseMs.map(() => new Map<string, CoarseChange>());
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i] as CellGroup;
    const m: CellMerge = mergeCell(existing(i), g.pairs, () => rawOf(i));
    if (m.cell === undefined) continue;
    cells.push({ sid: g.sid, t: g.t, cell: m.cell, kind: m.kind });
    for (let r = 0; r < coarseMs.length; r++) {
      const res = coarseMs[r] as number;
      const t = Math.floor(g.t / res) * res;
      const key = `${g.sid}:${t}`;
      const map = coarse[r] as Map<string, CoarseChange>;
      const change = map.get(key);
      if (m.replaced) {
        if (change === undefined) map.set(key, { sid: g.sid, t, add: undefined });
        else change.add = undefined;
      } else if (m.added !== undefined) {
        if (change === undefined) map.set(key, { sid: g.sid, t, add: { ...m.added } });
        else if (change.add !== undefined) mergeAgg(change.add, m.added);
      }
    }
  }
  return {
    cells,
    coarse: coarse.map((map) => [...map.values()].sort((a, b) => a.sid - b.sid || a.t - b.t)),
  };
}
