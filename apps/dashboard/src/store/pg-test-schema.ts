/** Test helpers for PostgreSQL: a schema of its own per test (parallel runs never share tables). */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { quoteIdent } from "./pg-schema.js";

/** A URL of the test database with a fresh schema name. */
export function freshSchemaUrl(base: string): { url: string; schema: string } {
  const schema = `t_${process.pid}_${randomBytes(4).toString("hex")}`;
  const u = new URL(base);
  u.searchParams.set("schema", schema);
  return { url: u.toString(), schema };
}

/** Drops a test schema and everything in it. */
export async function dropSchema(base: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}
