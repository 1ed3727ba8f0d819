/**
 * What the store keeps for annotations: events (a deploy, an incident) at a time or over a time
 * range, with text, tags and an optional dashboard/panel scope. Bounded by count (the oldest by
 * time go first) and by age (pruned with the metrics: `prune` drops those ended before a time).
 */

/** An annotation as stored and served. */
export interface StoredAnnotation {
  id: string;
  /** Start (ms since the epoch). */
  time: number;
  /** End of a range (ms); equal to `time` for an instant. */
  timeEnd: number;
  text: string;
  tags: string[];
  /** Shown on this dashboard only (absent: on every dashboard). */
  dashboard?: string;
  /** Shown on this panel of `dashboard` only. */
  panel?: string;
  /** When it was posted (ms). */
  createdAt: number;
}

/** Which annotations `query` returns: those overlapping [from, to), by time. */
export interface AnnotationQuery {
  from: number;
  to: number;
  /** Those of this dashboard and the global ones (absent: all). */
  dashboard?: string;
  /** Only those carrying every one of these tags. */
  tags?: readonly string[];
  limit: number;
}

/** Outcome of `add`: created, or the one already stored under the id (a retry). */
export interface AnnotationAdd {
  created: boolean;
  annotation: StoredAnnotation;
}

/** The annotations part of a store. */
export interface AnnotationStore {
  /** Stores `a` unless its id exists; past `max` stored, the oldest by time are deleted. */
  add(a: StoredAnnotation, max: number): Promise<AnnotationAdd>;
  /** Annotations overlapping the query's range, ascending by time. */
  query(q: AnnotationQuery): Promise<StoredAnnotation[]>;
  /** Deletes one; false when there was none. */
  delete(id: string): Promise<boolean>;
  /** Deletes those that ended before `beforeMs`; resolves with how many. */
  prune(beforeMs: number): Promise<number>;
}

/** A row of the annotations table (both engines). */
export interface AnnotationRow {
  id: string;
  t: number;
  t_end: number;
  text: string;
  tags: string;
  dashboard: string | null;
  panel: string | null;
  created_at: number;
}

/** Converts a stored row to an annotation (fields in the order the API shows them). */
export function annotationOfRow(r: AnnotationRow): StoredAnnotation {
  return {
    id: r.id,
    time: r.t,
    timeEnd: r.t_end,
    text: r.text,
    tags: JSON.parse(r.tags) as string[],
    ...(r.dashboard === null ? {} : { dashboard: r.dashboard }),
    ...(r.panel === null ? {} : { panel: r.panel }),
    createdAt: r.created_at,
  };
}

/**
 * The text a tag filter looks for in the stored JSON array: the tag between quotes. Tags hold no
 * quote, backslash or control character (the API refuses them), so JSON writes them as they are
 * and a quoted tag matches one whole element, never part of another.
 */
export function tagNeedle(tag: string): string {
  return `"${tag}"`;
}
