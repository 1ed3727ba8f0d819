/**
 * The ingest formats agents already speak, registered together: the InfluxDB write API
 * (Telegraf), Prometheus remote write and OTLP/HTTP metrics. Each is one file beside this one;
 * a new format is a new file plus one line here.
 */
import type { Router } from "../http/router.js";
import { influxRoutes } from "./influx-routes.js";
import type { IngestRoutesDeps } from "./ingest-deps.js";
import { otlpRoutes } from "./otlp-routes.js";
import { promRoutes } from "./prom-routes.js";

/** Paths outside `/api/` that agents use (InfluxDB's and OTLP's defaults). */
export const AGENT_PATHS: ReadonlySet<string> = new Set(["/write", "/query", "/ping", "/v1/metrics"]);

/** Registers `/write`, `/api/v2/write`, `/ping`, `/query`, `/api/v1/write` and `/v1/metrics`. */
export function agentRoutes(router: Router, deps: IngestRoutesDeps): void {
  influxRoutes(router, deps);
  promRoutes(router, deps);
  otlpRoutes(router, deps);
}
