/** `AnnotationStore` on PostgreSQL (see `annotation-store.ts`). */
import type pg from "pg";
import {
  type AnnotationAdd,
  type AnnotationQuery,
  type AnnotationRow,
  type AnnotationStore,
  annotationOfRow,
  type StoredAnnotation,
  tagNeedle,
} from "./annotation-store.js";
import { pgRows, pgTx } from "./pg-tx.js";

const COLUMNS = "id, t, t_end, text, tags, dashboard, panel, created_at";

/** The annotations of a PostgreSQL store. */
export class PgAnnotations implements AnnotationStore {
  constructor(private readonly pool: pg.Pool) {}

  async add(a: StoredAnnotation, max: number): Promise<AnnotationAdd> {
    return pgTx(this.pool, async (c): Promise<AnnotationAdd> => {
      const inserted = await c.query(
        `INSERT INTO annotations (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
        [a.id, a.time, a.timeEnd, a.text, JSON.stringify(a.tags), a.dashboard ?? null, a.panel ?? null, a.createdAt],
      );
      if (inserted.rowCount === 0) {
        const row = await c.query<AnnotationRow>(`SELECT ${COLUMNS} FROM annotations WHERE id = $1`, [a.id]);
        return { created: false, annotation: annotationOfRow(row.rows[0] as AnnotationRow) };
      }
      await c.query(
        `DELETE FROM annotations WHERE id IN (
           SELECT id FROM annotations ORDER BY t, id COLLATE "C"
            LIMIT greatest(0, (SELECT count(*) FROM annotations) - $1))`,
        [max],
      );
      return { created: true, annotation: a };
    });
  }

  async query(q: AnnotationQuery): Promise<StoredAnnotation[]> {
    const values: unknown[] = [q.to, q.from, q.limit];
    let sql = `SELECT ${COLUMNS} FROM annotations WHERE t < $1 AND t_end >= $2`;
    if (q.dashboard !== undefined) {
      values.push(q.dashboard);
      sql += ` AND (dashboard IS NULL OR dashboard = $${values.length})`;
    }
    for (const tag of q.tags ?? []) {
      values.push(tagNeedle(tag));
      sql += ` AND strpos(tags, $${values.length}) > 0`;
    }
    sql += ' ORDER BY t, id COLLATE "C" LIMIT $3';
    return (await pgRows<AnnotationRow>(this.pool, sql, values)).map(annotationOfRow);
  }

  async delete(id: string): Promise<boolean> {
    return (await pgRows(this.pool, "DELETE FROM annotations WHERE id = $1 RETURNING 1", [id])).length > 0;
  }

  async prune(beforeMs: number): Promise<number> {
    return (await pgRows(this.pool, "DELETE FROM annotations WHERE t_end < $1 RETURNING 1", [beforeMs])).length;
  }
}
