import pg from "pg";
import { describe, expect, it } from "vitest";
import { PG_MIGRATIONS, PG_SCHEMA_VERSION, quoteIdent } from "./pg-schema.js";
import { PgStore } from "./pg-store.js";
import { dropSchema, freshSchemaUrl } from "./pg-test-schema.js";

const url = process.env.DASHWIRE_TEST_PG_URL;

describe.skipIf(url === undefined)("PostgreSQL schema migrations", () => {
  it("opens a version-2 schema (before alerts and annotations): dashboards kept, the new tables work", async () => {
    const base = url as string;
    const { url: schemaUrl, schema } = freshSchemaUrl(base);
    // A schema as version 2 wrote it, with one dashboard.
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA ${quoteIdent(schema)}; SET search_path = ${quoteIdent(schema)}`);
      for (const sql of PG_MIGRATIONS.slice(0, 2)) await client.query(sql);
      await client.query("UPDATE meta SET v = 2 WHERE k = 'schema'");
      await client.query("UPDATE meta SET v = 7 WHERE k = 'dashboards'");
      await client.query(`INSERT INTO dashboards VALUES ('kept', '{"id":"kept","title":"K","panels":[]}', 7)`);
    } finally {
      await client.end();
    }
    const store = await PgStore.open({ url: schemaUrl });
    try {
      const check = new pg.Client({ connectionString: base });
      await check.connect();
      const v = await check.query(`SELECT v FROM ${quoteIdent(schema)}.meta WHERE k = 'schema'`);
      await check.end();
      expect(Number(v.rows[0]?.v)).toBe(PG_SCHEMA_VERSION);
      expect(await store.getDashboard("kept")).toMatchObject({ version: 7 });
      expect(await store.putDashboard("new", "{}", { kind: "absent" }, 10)).toMatchObject({ ok: true, version: 8 });
      expect(await store.alerts.rules.put("r", "{}", { kind: "absent" }, 10)).toMatchObject({ ok: true, version: 1 });
      expect((await store.leases.acquire("alerts", "me", 1000))?.token).toBe(1);
      const a = { id: "x", time: 1, timeEnd: 1, text: "t", tags: [], createdAt: 1 };
      expect(await store.annotations.add(a, 10)).toMatchObject({ created: true });
    } finally {
      await store.close();
      await dropSchema(base, schema);
    }
  });
});
