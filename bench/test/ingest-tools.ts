/**
 * What the storage-scenario tests need from Debian (wrk; influxd for the peer): installed with the
 * bench's own script when missing and this is root, else the tests that need it are skipped
 * with the reason printed.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { influxdbStore } from "../src/ingest/influxdb-store.js";
import { wrkMissing } from "../src/ingest/wrk-run.js";

const INSTALL = fileURLToPath(new URL("../peers/install-ingest.sh", import.meta.url));

let tried = false;

/** Installs wrk and influxdb if missing (once per process); returns why each is still missing. */
export function ingestTools(): { wrk?: string; influxdb?: string } {
  if (!tried && (wrkMissing() || influxdbStore.unavailable())) {
    tried = true;
    const r = spawnSync("bash", [INSTALL], { encoding: "utf8", timeout: 240_000 });
    if (r.status !== 0) console.warn(`bench/peers/install-ingest.sh failed: ${(r.stderr ?? "").trim().slice(-500)}`);
  }
  const wrk = wrkMissing();
  const influxdb = wrk ?? influxdbStore.unavailable();
  if (wrk) console.warn(`skipped: storage-scenario tests need wrk: ${wrk}`);
  else if (influxdb) console.warn(`skipped: InfluxDB peer tests: ${influxdb}`);
  return { ...(wrk ? { wrk } : {}), ...(influxdb ? { influxdb } : {}) };
}
