import { describe, it } from "vitest";
import { PgStore } from "./pg-store.js";
import { dropSchema, freshSchemaUrl } from "./pg-test-schema.js";
import { storeContract } from "./store-contract.js";

const url = process.env.DASHWIRE_TEST_PG_URL;

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
