import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteStore } from "./sqlite-store.js";
import { storeContract } from "./store-contract.js";

storeContract("sqlite", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "dashwire-sqlite-"));
  const store = new SqliteStore({ dataDir });
  return {
    store,
    peer: async () => new SqliteStore({ dataDir }),
    cleanup: async () => {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
