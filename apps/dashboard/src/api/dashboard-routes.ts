/**
 * Dashboards CRUD: `GET/POST /api/v1/dashboards`, `GET/PUT/DELETE /api/v1/dashboards/:id`.
 * Bodies are validated by `dashboardSchema`; errors name the field.
 */
import type { IncomingMessage } from "node:http";
import type { ApiKeys } from "../auth/api-keys.js";
import { requestKey } from "../auth/api-keys.js";
import type { Dashboard } from "../dashboards/dashboard-schema.js";
import type { DashboardStore } from "../dashboards/dashboard-store.js";
import { ApiError, ApiErrorCode } from "../errors.js";
import { parseJsonBody, readBody } from "../http/read-body.js";
import { requireJson } from "../http/request-guard.js";
import { sendJson } from "../http/respond.js";
import type { Router } from "../http/router.js";

/** Where dashboard changes go: the store itself, or the cluster's leader (`ClusterNode`). */
export interface DashboardWriter {
  createDashboard(body: unknown): Promise<Dashboard>;
  putDashboard(id: string, body: unknown): Promise<{ dashboard: Dashboard; created: boolean }>;
  deleteDashboard(id: string): Promise<void>;
}

/** What the dashboard routes need. */
export interface DashboardRoutesDeps {
  /** Reads come from this node's store. */
  dashboards: DashboardStore;
  /** Writes go here. */
  writer: DashboardWriter;
  keys: ApiKeys;
}

/** Largest dashboard body accepted. */
export const MAX_DASHBOARD_BYTES = 256 * 1024;

/** Registers the dashboard routes. */
export function dashboardRoutes(router: Router, deps: DashboardRoutesDeps): void {
  const { dashboards, writer, keys } = deps;
  const body = async (req: IncomingMessage) => {
    requireJson(req);
    return parseJsonBody(await readBody(req, MAX_DASHBOARD_BYTES));
  };

  router.add("GET", "/api/v1/dashboards", (req, res) => {
    keys.require(requestKey(req), "read");
    sendJson(res, 200, { dashboards: dashboards.list() });
  });
  router.add("POST", "/api/v1/dashboards", async (req, res) => {
    keys.require(requestKey(req), "admin");
    const d = await writer.createDashboard(await body(req));
    sendJson(res, 201, d, { location: `/api/v1/dashboards/${encodeURIComponent(d.id)}` });
  });
  router.add("GET", "/api/v1/dashboards/:id", (req, res, { params }) => {
    keys.require(requestKey(req), "read");
    const d = dashboards.get(params.id ?? "");
    if (d === undefined) throw new ApiError(404, ApiErrorCode.NotFound, `no dashboard ${params.id}`);
    sendJson(res, 200, d);
  });
  router.add("PUT", "/api/v1/dashboards/:id", async (req, res, { params }) => {
    keys.require(requestKey(req), "admin");
    const { dashboard, created } = await writer.putDashboard(params.id ?? "", await body(req));
    sendJson(res, created ? 201 : 200, dashboard);
  });
  router.add("DELETE", "/api/v1/dashboards/:id", async (req, res, { params }) => {
    keys.require(requestKey(req), "admin");
    await writer.deleteDashboard(params.id ?? "");
    res.writeHead(204, { "cache-control": "no-store" }).end();
  });
}
