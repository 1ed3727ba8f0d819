/**
 * Dashboards CRUD: `GET/POST /api/v1/dashboards`, `GET/PUT/DELETE /api/v1/dashboards/:id`.
 * Bodies are validated by `dashboardSchema`; errors name the field. `GET` of one dashboard, `PUT`
 * and `POST` answer with its `ETag`; `PUT` and `DELETE` honour `If-Match` (412 on a stale write).
 */
import type { IncomingMessage } from "node:http";
import type { ApiKeys } from "../auth/api-keys.js";
import { requestKey } from "../auth/api-keys.js";
import type { Dashboard } from "../dashboards/dashboard-schema.js";
import { type Dashboards, etagOf, type Precondition } from "../dashboards/dashboards.js";
import { ApiError, ApiErrorCode } from "../errors.js";
import { parseJsonBody, readBody } from "../http/read-body.js";
import { requireJson } from "../http/request-guard.js";
import { sendJson } from "../http/respond.js";
import type { Router } from "../http/router.js";

/** The answer of `GET /api/v1/dashboards`: built-ins first, then by id. */
export interface DashboardListAnswer {
  dashboards: Dashboard[];
}

/** What the dashboard routes need. */
export interface DashboardRoutesDeps {
  dashboards: Dashboards;
  keys: ApiKeys;
}

/** Largest dashboard body accepted. */
export const MAX_DASHBOARD_BYTES = 256 * 1024;
/** Largest `If-Match` header considered (bytes); longer ones are refused. */
const MAX_IF_MATCH_BYTES = 1024;

/**
 * Parses `If-Match` (RFC 9110 §13.1.1): absent, `*`, or a list of strong ETags. Weak or
 * malformed tags never match (strong comparison), so such a write gets 412, not a blind overwrite.
 */
export function parseIfMatch(req: IncomingMessage): Precondition {
  const header = req.headers["if-match"];
  if (header === undefined) return undefined;
  if (Buffer.byteLength(header) > MAX_IF_MATCH_BYTES)
    throw new ApiError(400, ApiErrorCode.InvalidField, `if-match: longer than ${MAX_IF_MATCH_BYTES} bytes`);
  if (header.trim() === "*") return "*";
  const versions: number[] = [];
  for (const part of header.split(",")) {
    const m = /^\s*"(\d{1,15})"\s*$/.exec(part);
    versions.push(m === null ? -1 : Number(m[1]));
  }
  return versions;
}

/** Registers the dashboard routes. */
export function dashboardRoutes(router: Router, deps: DashboardRoutesDeps): void {
  const { dashboards, keys } = deps;
  const body = async (req: IncomingMessage) => {
    requireJson(req);
    return parseJsonBody(await readBody(req, MAX_DASHBOARD_BYTES));
  };

  router.add("GET", "/api/v1/dashboards", async (req, res) => {
    keys.require(requestKey(req), "read");
    sendJson(res, 200, { dashboards: await dashboards.list() } satisfies DashboardListAnswer);
  });
  router.add("POST", "/api/v1/dashboards", async (req, res) => {
    keys.require(requestKey(req), "admin");
    const { dashboard, version } = await dashboards.create(await body(req));
    sendJson(res, 201, dashboard, {
      location: `/api/v1/dashboards/${encodeURIComponent(dashboard.id)}`,
      etag: etagOf(version),
    });
  });
  router.add("GET", "/api/v1/dashboards/:id", async (req, res, { params }) => {
    keys.require(requestKey(req), "read");
    const found = await dashboards.get(params.id ?? "");
    if (found === undefined) throw new ApiError(404, ApiErrorCode.NotFound, `no dashboard ${params.id}`);
    sendJson(res, 200, found.dashboard, { etag: etagOf(found.version) });
  });
  router.add("PUT", "/api/v1/dashboards/:id", async (req, res, { params }) => {
    keys.require(requestKey(req), "admin");
    const pre = parseIfMatch(req);
    const { dashboard, version, created } = await dashboards.put(params.id ?? "", await body(req), pre);
    sendJson(res, created ? 201 : 200, dashboard, { etag: etagOf(version) });
  });
  router.add("DELETE", "/api/v1/dashboards/:id", async (req, res, { params }) => {
    keys.require(requestKey(req), "admin");
    await dashboards.delete(params.id ?? "", parseIfMatch(req));
    res.writeHead(204, { "cache-control": "no-store" }).end();
  });
}
