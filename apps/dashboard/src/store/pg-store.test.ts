import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, it } from "vitest";
import { quoteIdent } from "./pg-schema.js";
import { PgStore } from "./pg-store.js";
import { storeContract } from "./store-contract.js";

const url = process.env.DASHWIRE_TEST_PG_URL;

/** A URL of the test database with a schema of its own (parallel runs never share tables). */
export function freshSchemaUrl(base: string): { url: string; schema: string } {
  const schema = `t_${process.pid}_${randomBytes(4).toString("hex")}`;
  const u = new URL(base);
  u.searchParams.set("schema", schema);
  return { url: u.toString(), schema };
}

/** Drops a test schema. */
export async function dropSchema(base: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}

if (url === undefined) {
  describe("Store contract: postgres", () => {
    it.skip("no PostgreSQL reachable and none could be started (install Debian's postgresql)", () => {});
  });
} else {
  storeContract("postgres", async () => {
    const { url: schemaUrl, schema } = freshSchemaUrl(url);
    const store = await PgStore.open({ url: schemaUrl });
    return {
      store,
      peer: async () => PgStore.open({ url: schemaUrl }),
      cleanup: async () => {
        await store.close();
        await dropSchema(url, schema);
      },
    };
  });
}
