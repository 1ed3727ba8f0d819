/**
 * What a client learns about the server: `GET /api/v1/config` (what the UI needs to connect;
 * behind the read scope with `--private-metrics`) and `GET /api/v1/cluster` (which node answered,
 * over which broker and store).
 */
import type { IncomingMessage } from "node:http";
import { type ApiKeys, requestKey } from "../auth/api-keys.js";
import { ApiError, ApiErrorCode } from "../errors.js";
import { sendJson } from "../http/respond.js";
import type { Router } from "../http/router.js";

/** The answer of `GET /api/v1/config`. */
export interface UiConfig {
  /** Path of the dashwire socket, relative to the server's origin. */
  wsPath: string;
  /** The app's version. */
  version: string;
}

/** The answer of `GET /api/v1/cluster`. */
export interface ClusterInfo {
  /** This node's id (also in every answer's `x-dashwire-node`). */
  node: string;
  /** The broker's name (`memory`, `redis`, `nats`). */
  broker: string;
  /** The store's kind (`sqlite`, `postgres`). */
  store: string;
}

/** What the info routes need. */
export interface InfoRoutesDeps {
  keys: ApiKeys;
  /** Whether a request may read the server's metrics and configuration (`--private-metrics`). */
  metricsReadable: (req: IncomingMessage) => boolean;
  config: UiConfig;
  cluster: ClusterInfo;
}

/** Registers the config and cluster routes. */
export function infoRoutes(router: Router, deps: InfoRoutesDeps): void {
  router.add("GET", "/api/v1/config", (req, res) => {
    if (!deps.metricsReadable(req))
      throw new ApiError(401, ApiErrorCode.Unauthorized, "a key with the read scope is required (--private-metrics)");
    sendJson(res, 200, deps.config);
  });
  router.add("GET", "/api/v1/cluster", (req, res) => {
    deps.keys.require(requestKey(req), "read");
    sendJson(res, 200, deps.cluster);
  });
}
