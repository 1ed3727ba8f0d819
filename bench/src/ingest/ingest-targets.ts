import { dashwirePgStore } from "./dashwire-pg-store.js";
import { dashwireStore } from "./dashwire-store.js";
import { influxdbStore } from "./influxdb-store.js";
import type { IngestTarget, IngestTargetName } from "./ingest-target.js";

/** Every storage target, by name. */
export const INGEST_TARGETS: Record<IngestTargetName, IngestTarget> = {
  dashwire: dashwireStore,
  "dashwire-pg": dashwirePgStore,
  influxdb: influxdbStore,
};
