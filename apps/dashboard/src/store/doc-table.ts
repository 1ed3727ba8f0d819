/**
 * A table of versioned JSON documents (dashboards, alert rules). Every write names what it
 * expects of the stored row (`Expect`, from `If-Match`) and gets a fresh version from a counter
 * the table keeps in `meta`, so a version is never reused: an ETag a client still holds never
 * matches a document deleted and created again.
 */
import type { DashboardWrite, Expect, StoredDashboard } from "./store.js";

/** A stored document: its JSON text and its version (the ETag). */
export type StoredDoc = StoredDashboard;

/** Outcome of a conditional write. */
export type DocWrite = DashboardWrite;

/** The versioned documents of one kind. */
export interface DocTable {
  /** All documents, by id. */
  list(): Promise<StoredDoc[]>;
  /** One document. */
  get(id: string): Promise<StoredDoc | undefined>;
  /** Stores `body` under `id` if `expect` holds and (when new) fewer than `max` are stored. */
  put(id: string, body: string, expect: Expect, max: number): Promise<DocWrite>;
  /** Deletes `id` if `expect` holds; `{ ok: true }` also when nothing was stored. */
  delete(id: string, expect: Expect): Promise<DocWrite>;
}

/** Tables of versioned documents; each has a counter of the same name in `meta`. */
export type DocTableName = "dashboards" | "alert_rules";

/** Whether the stored `version` (0: none) satisfies `expect`. */
export function holds(expect: Expect, version: number): boolean {
  if (expect.kind === "any") return true;
  if (expect.kind === "absent") return version === 0;
  return expect.version === version;
}
