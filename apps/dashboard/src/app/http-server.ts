import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { DashwireServer } from "@dashwire/server";
import { AGENT_PATHS } from "../api/agent-routes.js";
import type { DashboardOptions } from "../config/options.js";
import { ApiError, ApiErrorCode } from "../errors.js";
import { applyCors } from "../http/cors.js";
import type { RequestGuard } from "../http/request-guard.js";
import { loggableUrl, sendError } from "../http/respond.js";
import type { Router } from "../http/router.js";
import { StaticFiles } from "../http/static-files.js";

/** What the dashboard's HTTP server needs. */
export interface HttpServerDeps {
  options: Pick<DashboardOptions, "corsOrigins" | "uiDir" | "tlsCert" | "tlsKey">;
  /** Host and Origin checks of every request. */
  guard: RequestGuard;
  /** The REST API. */
  router: Router;
  nodeId: string;
  log: DashwireServer["logger"];
}

/**
 * The dashboard's `node:http` (or, with a certificate, `node:https`) server: every request passes
 * the guard (Host, Origin); `/api/…` and the agents' paths go to the router (CORS, the
 * `x-dashwire-node` header), GET/HEAD of anything else to the built UI; a throw becomes the JSON
 * error answer (`sendError`) and one log line without the URL's secrets.
 */
export function createHttpServer(deps: HttpServerDeps): http.Server {
  const { options, guard, router, nodeId, log } = deps;
  const files = new StaticFiles(options.uiDir);
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    guard.check(req);
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname;
    if (path.startsWith("/api/") || AGENT_PATHS.has(path)) {
      // Which node answered: behind a balancer, this tells operators (and tests) where a request went.
      res.setHeader("x-dashwire-node", nodeId);
      if (applyCors(req, res, options.corsOrigins)) return;
      const route = router.match(req.method ?? "GET", path);
      if (route === undefined) throw new ApiError(404, ApiErrorCode.NotFound, `no route ${path}`);
      await route.handler(req, res, { params: route.params, query: url.searchParams });
      return;
    }
    if ((req.method === "GET" || req.method === "HEAD") && (await files.serve(req, res, path))) return;
    throw new ApiError(404, ApiErrorCode.NotFound, `not found: ${path}`);
  };
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch((err: unknown) =>
      sendError(res, err, (e, requestId) =>
        log.error({ err: e, requestId, url: loggableUrl(req.url) }, "request failed"),
      ),
    );
  };
  // With a certificate the same app serves HTTPS and WSS (--tls-cert/--tls-key).
  if (options.tlsCert === "") return http.createServer(onRequest);
  return https.createServer(
    { cert: readFileSync(options.tlsCert), key: readFileSync(options.tlsKey) },
    onRequest,
  ) as unknown as http.Server;
}
