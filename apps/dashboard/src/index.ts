/** @dashwire/dashboard: the dashboard app (ingest, rollups, dashboards API, UI server) and its CLI. */
export { createDashboardApp, type DashboardApp, type DashboardStats, VERSION, WS_PATH } from "./app.js";
export { type ApiKey, ApiKeys, parseApiKey, parseApiKeyList, type Scope } from "./auth/api-keys.js";
export { type DashboardOptions, dashboardDefaults } from "./config/options.js";
export { type Dashboard, dashboardSchema, type Panel } from "./dashboards/dashboard-schema.js";
export { ApiError, ApiErrorCode } from "./errors.js";
export { parseJsonPoints } from "./ingest/json-points.js";
export { parseLineProtocol } from "./ingest/line-protocol.js";
export { Dashboards, etagOf } from "./dashboards/dashboards.js";
export { openStore } from "./store/open-store.js";
export { PgStore } from "./store/pg-store.js";
export { SqliteStore } from "./store/sqlite-store.js";
export type { BucketTuple, Resolution, Store } from "./store/store.js";
export { StoreError } from "./store/store-error.js";
