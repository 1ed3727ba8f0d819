/**
 * `POST /api/v1/metrics`: JSON points or InfluxDB line protocol. 200 `{ accepted }` when every
 * point was stored; 400 `{ accepted, rejected: [{ index | line, error, code }], rejectedTotal }`
 * when any was refused (the good ones are kept either way).
 */
import type { IncomingMessage } from "node:http";
import { requestKey } from "../auth/api-keys.js";
import { ApiError, ApiErrorCode } from "../errors.js";
import type { IngestResult } from "../ingest/ingest.js";
import { parseJsonPoints } from "../ingest/json-points.js";
import { parseLineProtocol, parsePrecision } from "../ingest/line-protocol.js";
import { parseJsonBody, readBody } from "../http/read-body.js";
import { isJsonType, mediaType } from "../http/request-guard.js";
import { sendJson } from "../http/respond.js";
import type { Router } from "../http/router.js";
import type { IngestFormat } from "../ingest/ingest-counters.js";
import { type IngestRoutesDeps, storeParsed } from "./ingest-deps.js";

/**
 * The answer of `POST /api/v1/metrics`: 200 `{ accepted }` (with `ignored` when string fields
 * were skipped) when every point was kept; 400 the whole `IngestResult` when any was refused.
 */
export type IngestAnswer = { accepted: number; ignored?: number } | IngestResult;

/** What the metrics routes need (the same as every ingest route). */
export type MetricsRoutesDeps = IngestRoutesDeps;

/** Which parser a request's Content-Type asks for; `sniff` decides by the first character. */
function bodyKind(req: IncomingMessage): "json" | "line" | "sniff" {
  const type = mediaType(req);
  if (isJsonType(type)) return "json";
  if (type === "text/plain") return "line";
  // curl -d sends form encoding; tools often send octet-stream or nothing.
  if (type === "" || type === "application/x-www-form-urlencoded" || type === "application/octet-stream")
    return "sniff";
  throw new ApiError(
    415,
    ApiErrorCode.UnsupportedMediaType,
    `content-type ${type} not accepted: use application/json or text/plain (line protocol)`,
  );
}

/** Registers the ingest route. */
export function metricsRoutes(router: Router, deps: MetricsRoutesDeps): void {
  router.add("POST", "/api/v1/metrics", async (req, res, { query }) => {
    let format: IngestFormat = isJsonType(mediaType(req)) ? "json" : "line";
    try {
      deps.keys.require(requestKey(req), "write");
      let kind = bodyKind(req);
      const precisionParam = query.get("precision");
      const precision = precisionParam === null ? "ns" : parsePrecision(precisionParam);
      if (precision === undefined)
        throw new ApiError(400, ApiErrorCode.InvalidField, "precision: expected ns, us, ms, s, m or h");
      const body = await readBody(req, deps.maxBodyBytes);
      if (kind === "sniff") {
        const first = body.toString("utf8", 0, Math.min(body.length, 64)).trimStart()[0];
        kind = first === "{" || first === "[" ? "json" : "line";
      }
      format = kind;
      const result =
        kind === "json"
          ? await storeParsed(deps, "json", () => parseJsonPoints(parseJsonBody(body)), "index")
          : await storeParsed(deps, "line", () => parseLineProtocol(body, precision), "line");
      if (result.rejectedTotal === 0) {
        const answer: IngestAnswer =
          result.ignored > 0 ? { accepted: result.accepted, ignored: result.ignored } : { accepted: result.accepted };
        sendJson(res, 200, answer);
        return;
      }
      sendJson(res, 400, result satisfies IngestAnswer);
    } catch (err) {
      deps.counters.refusedRequest(format, err instanceof ApiError ? err.status : 500);
      throw err;
    }
  });
}
