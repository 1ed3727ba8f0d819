/**
 * `POST /api/v1/write`: Prometheus remote write 1.0, at the path Prometheus' own receiver
 * (`--web.enable-remote-write-receiver`) and VictoriaMetrics use, so a `remote_write` `url` only
 * needs dashwire's address. Answers as a receiver should: 204 when everything was stored; 400
 * (not retried by Prometheus) with a text body naming the refused series otherwise, the good
 * samples being kept; 401/403/413/415 with a text reason; a 5xx (retried) only for our failures.
 */
import type { ServerResponse } from "node:http";
import { ApiError, ApiErrorCode } from "../errors.js";
import { readBody } from "../http/read-body.js";
import { mediaType } from "../http/request-guard.js";
import type { RouteHandler } from "../http/router.js";
import { decodeRemoteWrite, remoteWritePoints } from "../ingest/prom-remote-write.js";
import { agentKey } from "./agent-auth.js";
import { type IngestRoutesDeps, storeParsed } from "./ingest-deps.js";

/** Refused series quoted in a 400 answer (all are counted). */
const QUOTED_REJECTIONS = 10;

/** Sends a short text answer, as Prometheus' receivers do. */
function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(text);
}

/** The handler of `POST /api/v1/write`, the remote write receiver (registered by `agent-routes.ts`). */
export function promHandler(deps: IngestRoutesDeps): RouteHandler {
  return async (req, res) => {
    try {
      deps.keys.require(agentKey(req), "write");
      const type = mediaType(req);
      // Remote write 2.0 says so in the type's proto parameter; only 1.0 is spoken here.
      const proto = /;\s*proto=([^;\s]+)/i.exec(String(req.headers["content-type"] ?? ""))?.[1];
      if (
        (type !== "" && type !== "application/x-protobuf") ||
        (proto !== undefined && proto !== "prometheus.WriteRequest")
      )
        throw new ApiError(
          415,
          ApiErrorCode.UnsupportedMediaType,
          "remote write 1.0 only: Content-Type application/x-protobuf (prometheus.WriteRequest)",
        );
      const encoding = String(req.headers["content-encoding"] ?? "").toLowerCase();
      if (encoding !== "snappy")
        throw new ApiError(
          415,
          ApiErrorCode.UnsupportedMediaType,
          "remote write bodies are snappy-compressed (Content-Encoding: snappy)",
        );
      const body = await readBody(req, deps.maxBodyBytes, ["snappy"]);
      const result = await storeParsed(
        deps,
        "prometheus",
        () => remoteWritePoints(decodeRemoteWrite(body, deps.maxBodyBytes)),
        "index",
      );
      if (result.rejectedTotal === 0) {
        res.writeHead(204).end();
        return;
      }
      const quoted = result.rejected
        .slice(0, QUOTED_REJECTIONS)
        .map((r) => `series ${r.index}: ${r.error}`)
        .join("\n");
      sendText(
        res,
        400,
        `${result.rejectedTotal} of the request's series or samples refused, ${result.accepted} samples stored:\n${quoted}\n`,
      );
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500) throw err;
      deps.counters.refusedRequest("prometheus", err.status);
      sendText(res, err.status, `${err.message}\n`);
    }
  };
}
