/**
 * `POST /v1/metrics`: OTLP/HTTP metrics, protobuf (`application/x-protobuf`) or JSON
 * (`application/json`), gzip or not, answered as the OTLP specification says: 200 with an
 * `ExportMetricsServiceResponse` in the request's encoding (with `partial_success` counting what
 * was refused and why, which exporters do not retry); 400/401/403/413/415 with a `google.rpc.Status`
 * when nothing could be taken; a 5xx (retried) only for our failures.
 */
import type { ServerResponse } from "node:http";
import { ApiError, ApiErrorCode } from "../errors.js";
import { parseJsonBody, readBody } from "../http/read-body.js";
import { mediaType } from "../http/request-guard.js";
import type { RouteHandler } from "../http/router.js";
import { type OtlpMetricsRequest, OtlpShapeError, otlpPoints } from "../ingest/otlp-metrics.js";
import { ExportMetricsServiceRequest, ExportMetricsServiceResponse, RpcStatus } from "../ingest/otlp-proto.js";
import { agentKey } from "./agent-auth.js";
import { type IngestRoutesDeps, storeParsed } from "./ingest-deps.js";

/** Refusals quoted in `partial_success.error_message` (all are counted). */
const QUOTED_REJECTIONS = 10;

/** gRPC status codes OTLP puts in `Status.code` for an HTTP status. */
function rpcCode(status: number): number {
  if (status === 401) return 16; // UNAUTHENTICATED
  if (status === 403) return 7; // PERMISSION_DENIED
  if (status === 413) return 8; // RESOURCE_EXHAUSTED
  if (status >= 500) return 14; // UNAVAILABLE
  return 3; // INVALID_ARGUMENT
}

/** Sends an OTLP message in the request's encoding. */
function sendOtlp(
  res: ServerResponse,
  status: number,
  json: boolean,
  body: Record<string, unknown>,
  type: typeof RpcStatus,
): void {
  const payload = json ? Buffer.from(JSON.stringify(body)) : Buffer.from(type.encode(type.fromObject(body)).finish());
  res.writeHead(status, {
    "content-type": json ? "application/json" : "application/x-protobuf",
    "content-length": payload.length,
    "cache-control": "no-store",
  });
  res.end(payload);
}

/** Decodes the body into a request object (plain objects, int64 as strings). */
function decode(body: Buffer, json: boolean): OtlpMetricsRequest {
  if (json) {
    const value = parseJsonBody(body);
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw new ApiError(400, ApiErrorCode.InvalidField, "body: expected an ExportMetricsServiceRequest object");
    return value as OtlpMetricsRequest;
  }
  try {
    const message = ExportMetricsServiceRequest.decode(body);
    return ExportMetricsServiceRequest.toObject(message, { longs: String, bytes: String }) as OtlpMetricsRequest;
  } catch (err) {
    // A malformed or absurdly nested message (a RangeError from the decoder's recursion).
    throw new ApiError(
      400,
      ApiErrorCode.InvalidField,
      `body: not an ExportMetricsServiceRequest (${(err as Error).message})`,
    );
  }
}

/** The points of a decoded request; a body of the wrong structure is a 400. */
function points(request: OtlpMetricsRequest) {
  try {
    return otlpPoints(request);
  } catch (err) {
    if (err instanceof OtlpShapeError)
      throw new ApiError(400, ApiErrorCode.InvalidField, `body: not an ExportMetricsServiceRequest (${err.message})`);
    throw err;
  }
}

/** The handler of `POST /v1/metrics` (registered by `agent-routes.ts`). */
export function otlpHandler(deps: IngestRoutesDeps): RouteHandler {
  return async (req, res) => {
    const type = mediaType(req);
    const json = type === "application/json";
    const format = json ? "otlp_json" : "otlp_protobuf";
    try {
      deps.keys.require(agentKey(req), "write");
      if (!json && type !== "application/x-protobuf")
        throw new ApiError(415, ApiErrorCode.UnsupportedMediaType, "use application/x-protobuf or application/json");
      const body = await readBody(req, deps.maxBodyBytes);
      const result = await storeParsed(deps, format, () => points(decode(body, json)), "index");
      if (result.rejectedTotal === 0) {
        sendOtlp(res, 200, json, {}, ExportMetricsServiceResponse);
        return;
      }
      const quoted = result.rejected.slice(0, QUOTED_REJECTIONS).map((r) => `data point ${r.index}: ${r.error}`);
      const more =
        result.rejectedTotal > QUOTED_REJECTIONS ? ` (and ${result.rejectedTotal - QUOTED_REJECTIONS} more)` : "";
      const partialSuccess = {
        rejectedDataPoints: String(result.rejectedTotal),
        errorMessage: `${quoted.join("; ")}${more}`,
      };
      sendOtlp(res, 200, json, { partialSuccess }, ExportMetricsServiceResponse);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500) throw err;
      deps.counters.refusedRequest(format, err.status);
      sendOtlp(res, err.status, json, { code: rpcCode(err.status), message: err.message }, RpcStatus);
    }
  };
}
