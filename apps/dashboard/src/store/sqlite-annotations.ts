/** `AnnotationStore` on SQLite (see `annotation-store.ts`). */
import type Database from "better-sqlite3";
import {
  type AnnotationAdd,
  type AnnotationQuery,
  type AnnotationRow,
  type AnnotationStore,
  annotationOfRow,
  type StoredAnnotation,
  tagNeedle,
} from "./annotation-store.js";
import { sqliteFailure } from "./sqlite-failure.js";

const COLUMNS = "id, t, t_end, text, tags, dashboard, panel, created_at";

/** The annotations of a SQLite store. */
export class SqliteAnnotations implements AnnotationStore {
  private readonly st;

  constructor(private readonly db: Database.Database) {
    this.st = {
      get: db.prepare<[string], AnnotationRow>(`SELECT ${COLUMNS} FROM annotations WHERE id = ?`),
      insert: db.prepare(`INSERT INTO annotations (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      count: db.prepare("SELECT count(*) FROM annotations").pluck(),
      dropOldest: db.prepare("DELETE FROM annotations WHERE id IN (SELECT id FROM annotations ORDER BY t, id LIMIT ?)"),
      delete: db.prepare("DELETE FROM annotations WHERE id = ?"),
      prune: db.prepare("DELETE FROM annotations WHERE t_end < ?"),
    };
  }

  async add(a: StoredAnnotation, max: number): Promise<AnnotationAdd> {
    try {
      return this.db
        .transaction((): AnnotationAdd => {
          const existing = this.st.get.get(a.id);
          if (existing !== undefined) return { created: false, annotation: annotationOfRow(existing) };
          this.st.insert.run(
            a.id,
            a.time,
            a.timeEnd,
            a.text,
            JSON.stringify(a.tags),
            a.dashboard ?? null,
            a.panel ?? null,
            a.createdAt,
          );
          const over = (this.st.count.get() as number) - max;
          if (over > 0) this.st.dropOldest.run(over);
          return { created: true, annotation: a };
        })
        .immediate();
    } catch (err) {
      sqliteFailure(err);
    }
  }

  async query(q: AnnotationQuery): Promise<StoredAnnotation[]> {
    let sql = `SELECT ${COLUMNS} FROM annotations WHERE t < ? AND t_end >= ?`;
    const values: Array<string | number> = [q.to, q.from];
    if (q.dashboard !== undefined) {
      sql += " AND (dashboard IS NULL OR dashboard = ?)";
      values.push(q.dashboard);
    }
    for (const tag of q.tags ?? []) {
      sql += " AND instr(tags, ?) > 0";
      values.push(tagNeedle(tag));
    }
    sql += " ORDER BY t, id LIMIT ?";
    values.push(q.limit);
    return this.db
      .prepare<unknown[], AnnotationRow>(sql)
      .all(...values)
      .map(annotationOfRow);
  }

  async delete(id: string): Promise<boolean> {
    try {
      return this.st.delete.run(id).changes > 0;
    } catch (err) {
      sqliteFailure(err);
    }
  }

  async prune(beforeMs: number): Promise<number> {
    try {
      return this.st.prune.run(beforeMs).changes;
    } catch (err) {
      sqliteFailure(err);
    }
  }
}
