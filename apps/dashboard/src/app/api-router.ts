import type { DashwireServer } from "@dashwire/server";
import type { IncomingMessage } from "node:http";
import { agentRoutes } from "../api/agent-routes.js";
import { authRoutes } from "../api/auth-routes.js";
import { dashboardRoutes } from "../api/dashboard-routes.js";
import { infoRoutes } from "../api/info-routes.js";
import type { IngestRoutesDeps } from "../api/ingest-deps.js";
import { metricsRoutes } from "../api/metrics-routes.js";
import { queryRoutes } from "../api/query-routes.js";
import { tagRoutes } from "../api/tag-routes.js";
import type { Alerts } from "../alerts/alerts.js";
import { annotationRoutes } from "../annotations/annotation-routes.js";
import { createAnnotations } from "../annotations/annotations.js";
import type { ApiKeys } from "../auth/api-keys.js";
import type { Dashboards } from "../dashboards/dashboards.js";
import { Router } from "../http/router.js";
import type { Store } from "../store/store.js";

/** What the REST API (`/api/v1` and the agents' paths) is built on. */
export interface ApiRouterDeps {
  server: DashwireServer;
  store: Store;
  keys: ApiKeys;
  dashboards: Dashboards;
  alerts: Alerts;
  /** What the ingest routes share with socket ingest. */
  ingest: IngestRoutesDeps;
  /** Annotations kept at most. */
  maxAnnotations: number;
  /** Who may read `/metrics`. */
  metricsReadable: (req: IncomingMessage) => boolean;
  nodeId: string;
  /** What `/api/v1/info` tells the UI. */
  config: { wsPath: string; version: string };
}

/**
 * The dashboard's HTTP API: every route module registers its routes on one router (ingest in
 * each format, query, tags, dashboards, alerts, annotations, auth, info). A new route module is
 * one line here.
 */
export function createApiRouter(deps: ApiRouterDeps): Router {
  const { server, store, keys } = deps;
  const warn = (message: string, err?: unknown) => server.logger.warn({ err }, message);
  const router = new Router();
  metricsRoutes(router, deps.ingest);
  agentRoutes(router, deps.ingest);
  queryRoutes(router, { store, keys, now: Date.now });
  tagRoutes(router, { store, keys });
  dashboardRoutes(router, { dashboards: deps.dashboards, keys });
  deps.alerts.routes(router);
  annotationRoutes(router, {
    annotations: createAnnotations(server, store, deps.maxAnnotations, warn),
    keys,
    now: Date.now,
  });
  authRoutes(router, keys);
  infoRoutes(router, {
    keys,
    metricsReadable: deps.metricsReadable,
    config: deps.config,
    cluster: { node: deps.nodeId, broker: server.broker.name, store: store.kind },
  });
  return router;
}
