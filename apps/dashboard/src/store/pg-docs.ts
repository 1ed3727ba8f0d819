/**
 * `DocTable` on PostgreSQL (see `doc-table.ts`). The table's version counter row in `meta` is
 * updated first in every write, so writes of one table are serialized across nodes (creations
 * included: the count checked against the limit cannot change under a write).
 */
import type pg from "pg";
import { type DocTable, type DocTableName, type DocWrite, holds, type StoredDoc } from "./doc-table.js";
import { pgRows, pgTx } from "./pg-tx.js";
import type { Expect } from "./store.js";

/** The documents of one table of a PostgreSQL store. */
export class PgDocs implements DocTable {
  constructor(
    private readonly pool: pg.Pool,
    private readonly table: DocTableName,
  ) {}

  async list(): Promise<StoredDoc[]> {
    return pgRows<StoredDoc>(this.pool, `SELECT id, body, version FROM ${this.table} ORDER BY id COLLATE "C"`);
  }

  async get(id: string): Promise<StoredDoc | undefined> {
    return (await pgRows<StoredDoc>(this.pool, `SELECT id, body, version FROM ${this.table} WHERE id = $1`, [id]))[0];
  }

  async put(id: string, body: string, expect: Expect, max: number): Promise<DocWrite> {
    const table = this.table;
    return pgTx(this.pool, async (c): Promise<DocWrite> => {
      const next = (await c.query<{ v: number }>("UPDATE meta SET v = v + 1 WHERE k = $1 RETURNING v", [table])).rows[0]
        ?.v as number;
      const version = await this.versionOf(c, id);
      if (!holds(expect, version)) return { ok: false, reason: "conflict", version };
      if (version === 0) {
        const n = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
        if ((n.rows[0]?.n ?? 0) >= max) return { ok: false, reason: "limit", version };
      }
      await c.query(
        `INSERT INTO ${table} (id, body, version) VALUES ($1, $2, $3)
           ON CONFLICT (id) DO UPDATE SET body = excluded.body, version = excluded.version`,
        [id, body, next],
      );
      return { ok: true, version: next, created: version === 0 };
    });
  }

  async delete(id: string, expect: Expect): Promise<DocWrite> {
    return pgTx(this.pool, async (c): Promise<DocWrite> => {
      await c.query("UPDATE meta SET v = v WHERE k = $1", [this.table]);
      const version = await this.versionOf(c, id);
      if (!holds(expect, version)) return { ok: false, reason: "conflict", version };
      await c.query(`DELETE FROM ${this.table} WHERE id = $1`, [id]);
      return { ok: true, version: 0, created: false };
    });
  }

  private async versionOf(c: pg.PoolClient, id: string): Promise<number> {
    const row = await c.query<{ version: number }>(`SELECT version FROM ${this.table} WHERE id = $1`, [id]);
    return row.rows[0]?.version ?? 0;
  }
}
