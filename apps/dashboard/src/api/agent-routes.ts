/**
 * The ingest formats agents already speak, registered together: the InfluxDB write API
 * (Telegraf), Prometheus remote write and OTLP/HTTP metrics. Each is one file beside this one;
 * a new format is a new file plus one line here.
 *
 * The protobuf formats are imported on their first request: their decoders (protobufjs,
 * snappyjs, the compiled schemas) are not on the start path of a dashboard that never gets one.
 */
import type { RouteHandler, Router } from "../http/router.js";
import { influxRoutes } from "./influx-routes.js";
import type { IngestRoutesDeps } from "./ingest-deps.js";

/** Paths outside `/api/` that agents use (InfluxDB's and OTLP's defaults). */
export const AGENT_PATHS: ReadonlySet<string> = new Set(["/write", "/query", "/ping", "/v1/metrics"]);

/** A handler whose module is imported when the first request comes (once; every later one waits on it). */
export function lazyHandler(load: () => Promise<RouteHandler>): RouteHandler {
  let loading: Promise<RouteHandler> | undefined;
  return async (req, res, ctx) => {
    loading ??= load();
    return (await loading)(req, res, ctx);
  };
}

/** Registers `/write`, `/api/v2/write`, `/ping`, `/query`, `/api/v1/write` and `/v1/metrics`. */
export function agentRoutes(router: Router, deps: IngestRoutesDeps): void {
  influxRoutes(router, deps);
  router.add(
    "POST",
    "/api/v1/write",
    lazyHandler(async () => (await import("./prom-routes.js")).promHandler(deps)),
  );
  router.add(
    "POST",
    "/v1/metrics",
    lazyHandler(async () => (await import("./otlp-routes.js")).otlpHandler(deps)),
  );
}
