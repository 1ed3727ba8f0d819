/**
 * `POST /api/v1/annotations` (201, or 200 for a retry of a stored id), `GET /api/v1/annotations`
 * (`from`, `to`, `dashboard`, `tag`, `limit`) and `DELETE /api/v1/annotations/:id`. Posting and
 * deleting need the `write` scope (what a deploy script holds to send metrics); reading `read`.
 */
import type { ApiKeys } from "../auth/api-keys.js";
import { requestKey } from "../auth/api-keys.js";
import { msParam } from "../api/query-routes.js";
import { DASHBOARD_ID } from "../dashboards/dashboard-schema.js";
import { ApiError, ApiErrorCode } from "../errors.js";
import { parseJsonBody, readBody } from "../http/read-body.js";
import { requireJson } from "../http/request-guard.js";
import { sendJson } from "../http/respond.js";
import type { Router } from "../http/router.js";
import type { AnnotationQuery } from "../store/annotation-store.js";
import { zodMessage } from "../zod-message.js";
import { type AnnotationListAnswer, annotationLimits, tagSchema } from "./annotation-schema.js";
import type { Annotations } from "./annotations.js";

/** Largest annotation body accepted, bytes. */
export const MAX_ANNOTATION_BODY_BYTES = 16 * 1024;
/** Most annotations one GET returns (default 500). */
export const MAX_ANNOTATIONS_LISTED = 1000;
/** Window of a GET without `from`: the day before `to`. */
export const DEFAULT_ANNOTATION_WINDOW_MS = 86_400_000;

/** What the annotation routes need. */
export interface AnnotationRoutesDeps {
  annotations: Annotations;
  keys: ApiKeys;
  now: () => number;
}

/** Registers the annotation routes. */
export function annotationRoutes(router: Router, deps: AnnotationRoutesDeps): void {
  const { annotations, keys } = deps;

  router.add("POST", "/api/v1/annotations", async (req, res) => {
    keys.require(requestKey(req), "write");
    requireJson(req);
    const { created, annotation } = await annotations.add(
      parseJsonBody(await readBody(req, MAX_ANNOTATION_BODY_BYTES)),
    );
    sendJson(res, created ? 201 : 200, annotation, {
      location: `/api/v1/annotations/${encodeURIComponent(annotation.id)}`,
    });
  });

  router.add("GET", "/api/v1/annotations", async (req, res, { query }) => {
    keys.require(requestKey(req), "read");
    const to = msParam(query, "to", 0) ?? deps.now();
    const from = msParam(query, "from", 0) ?? to - DEFAULT_ANNOTATION_WINDOW_MS;
    if (from >= to) throw new ApiError(400, ApiErrorCode.InvalidField, "from: must be before to");
    const limit = Math.min(msParam(query, "limit", 1, "a count") ?? 500, MAX_ANNOTATIONS_LISTED);
    const q: AnnotationQuery = { from, to, limit: limit + 1 };
    const dashboard = query.get("dashboard");
    if (dashboard !== null && dashboard !== "") {
      if (!DASHBOARD_ID.test(dashboard))
        throw new ApiError(400, ApiErrorCode.InvalidField, "dashboard: not a dashboard id");
      q.dashboard = dashboard;
    }
    const tags = query.getAll("tag");
    if (tags.length > annotationLimits.maxTags)
      throw new ApiError(400, ApiErrorCode.InvalidField, `tag: at most ${annotationLimits.maxTags}`);
    for (const tag of tags) {
      const r = tagSchema.safeParse(tag);
      if (!r.success) throw new ApiError(400, ApiErrorCode.InvalidField, zodMessage(r.error, "tag"));
    }
    if (tags.length > 0) q.tags = tags;
    const found = await annotations.query(q);
    const answer: AnnotationListAnswer =
      found.length > limit ? { annotations: found.slice(0, limit), truncated: true } : { annotations: found };
    sendJson(res, 200, answer);
  });

  router.add("DELETE", "/api/v1/annotations/:id", async (req, res, { params }) => {
    keys.require(requestKey(req), "write");
    await annotations.delete(params.id ?? "");
    res.writeHead(204, { "cache-control": "no-store" }).end();
  });
}
