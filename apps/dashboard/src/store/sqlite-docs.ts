/** `DocTable` on SQLite: one `BEGIN IMMEDIATE` transaction per write (see `doc-table.ts`). */
import type Database from "better-sqlite3";
import { type DocTable, type DocTableName, type DocWrite, holds, type StoredDoc } from "./doc-table.js";
import { sqliteFailure } from "./sqlite-failure.js";
import type { Expect } from "./store.js";

/** The documents of one table of a SQLite store. */
export class SqliteDocs implements DocTable {
  private readonly st;

  constructor(
    private readonly db: Database.Database,
    table: DocTableName,
  ) {
    this.st = {
      list: db.prepare<[], StoredDoc>(`SELECT id, body, version FROM ${table} ORDER BY id`),
      get: db.prepare<[string], StoredDoc>(`SELECT id, body, version FROM ${table} WHERE id = ?`),
      count: db.prepare(`SELECT count(*) FROM ${table}`).pluck(),
      nextVersion: db.prepare(`UPDATE meta SET v = v + 1 WHERE k = '${table}' RETURNING v`).pluck(),
      put: db.prepare(`INSERT OR REPLACE INTO ${table} (id, body, version) VALUES (?, ?, ?)`),
      delete: db.prepare(`DELETE FROM ${table} WHERE id = ?`),
    };
  }

  async list(): Promise<StoredDoc[]> {
    return this.st.list.all();
  }

  async get(id: string): Promise<StoredDoc | undefined> {
    return this.st.get.get(id);
  }

  async put(id: string, body: string, expect: Expect, max: number): Promise<DocWrite> {
    return this.write((): DocWrite => {
      const version = this.st.get.get(id)?.version ?? 0;
      if (!holds(expect, version)) return { ok: false, reason: "conflict", version };
      if (version === 0 && (this.st.count.get() as number) >= max) return { ok: false, reason: "limit", version };
      const next = this.st.nextVersion.get() as number;
      this.st.put.run(id, body, next);
      return { ok: true, version: next, created: version === 0 };
    });
  }

  async delete(id: string, expect: Expect): Promise<DocWrite> {
    return this.write((): DocWrite => {
      const version = this.st.get.get(id)?.version ?? 0;
      if (!holds(expect, version)) return { ok: false, reason: "conflict", version };
      this.st.delete.run(id);
      return { ok: true, version: 0, created: false };
    });
  }

  private write(fn: () => DocWrite): DocWrite {
    try {
      return this.db.transaction(fn).immediate();
    } catch (err) {
      sqliteFailure(err);
    }
  }
}
