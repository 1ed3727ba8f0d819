/**
 * The InfluxDB write API, as Telegraf's `outputs.influxdb` and `outputs.influxdb_v2` (and other
 * InfluxDB clients) send it, answered the way InfluxDB 1.8 answers (1.8 also serves the
 * `/api/v2/write` compatibility endpoint):
 *
 * - `POST /write?db=&rp=&precision=&u=&p=`: 204; errors `{"error": "..."}`.
 * - `POST /api/v2/write?org=&bucket=&precision=` with `Authorization: Token <key>`: 204; errors
 *   `{"code": "...", "message": "..."}`.
 * - `GET|HEAD /ping`: 204 with `X-Influxdb-Version` (`?verbose=true`: 200 `{"version"}`).
 * - `/query`: `CREATE DATABASE` and `SHOW DATABASES` (influx-query.ts).
 *
 * Good lines are kept (up to `MAX_REFUSALS` refusals: past it the whole request is a 400 and
 * nothing is stored). Refused lines (listed, with their line numbers) make the answer a
 * 400 "partial write" (or 422 on v2 when only the store refused points, as for points beyond a
 * retention policy): InfluxDB's non-retryable answers, so a client does not send the kept points
 * again. Databases, retention policies, orgs and buckets are names only: every write lands in
 * dashwire's one set of series.
 */
import type { ServerResponse } from "node:http";
import { requestKey } from "../auth/api-keys.js";
import { ApiError, ApiErrorCode } from "../errors.js";
import { readBody } from "../http/read-body.js";
import { sendJson } from "../http/respond.js";
import type { Router } from "../http/router.js";
import type { IngestResult } from "../ingest/ingest.js";
import type { IngestFormat } from "../ingest/ingest-counters.js";
import { parseLineProtocol, parsePrecision } from "../ingest/line-protocol.js";
import { agentKey } from "./agent-auth.js";
import { influxQueryRoutes, KnownDatabases } from "./influx-query.js";
import { type IngestRoutesDeps, storeParsed } from "./ingest-deps.js";

/** The InfluxDB version dashwire answers as (the write API of 1.8, which has /api/v2/write). */
export const INFLUX_VERSION = "1.8.10";
/** Headers InfluxDB puts on every answer. */
export const INFLUX_HEADERS: Readonly<Record<string, string>> = {
  "x-influxdb-version": INFLUX_VERSION,
  "x-influxdb-build": "dashwire",
};
/** Rejections quoted in a partial-write message (all are counted in `dropped=`). */
const QUOTED_REJECTIONS = 5;

/** The `code` InfluxDB 2 puts in an error body for each status. */
function v2Code(status: number): string {
  switch (status) {
    case 400:
      return "invalid";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not found";
    case 413:
      return "request too large";
    case 415:
      return "unsupported media type";
    case 422:
      return "unprocessable entity";
    case 503:
      return "unavailable";
    default:
      return status >= 500 ? "internal error" : "invalid";
  }
}

/** One dialect's way of answering errors. */
type Dialect = "v1" | "v2";

/** Sends an InfluxDB-shaped error. */
function sendInfluxError(res: ServerResponse, dialect: Dialect, status: number, message: string, line?: number): void {
  const body =
    dialect === "v1"
      ? { error: message }
      : line === undefined
        ? { code: v2Code(status), message }
        : { code: v2Code(status), message, line };
  sendJson(res, status, body, INFLUX_HEADERS);
}

/** `partial write: line 3: …; line 7: … dropped=2`, as InfluxDB words a partial write. */
function partialWriteMessage(result: IngestResult): string {
  const quoted = result.rejected
    .slice(0, QUOTED_REJECTIONS)
    .map((r) => `line ${r.line ?? r.index}: ${r.error}`)
    .join("; ");
  const more =
    result.rejectedTotal > QUOTED_REJECTIONS ? ` (and ${result.rejectedTotal - QUOTED_REJECTIONS} more)` : "";
  return `partial write: ${quoted}${more} dropped=${result.rejectedTotal}`;
}

/**
 * Runs a write: auth, parameters, body, parse, store; answers 204 or an InfluxDB-shaped error.
 * A failure of ours (5xx) is rethrown so the app answers it and logs the details.
 */
async function write(
  deps: IngestRoutesDeps,
  dialect: Dialect,
  res: ServerResponse,
  run: () => Promise<IngestResult>,
): Promise<void> {
  const format: IngestFormat = dialect === "v1" ? "influx_v1" : "influx_v2";
  let result: IngestResult;
  try {
    result = await run();
  } catch (err) {
    if (!(err instanceof ApiError) || err.status >= 500) throw err;
    deps.counters.refusedRequest(format, err.status);
    sendInfluxError(res, dialect, err.status, err.message);
    return;
  }
  if (result.rejectedTotal === 0) {
    res.writeHead(204, INFLUX_HEADERS).end();
    return;
  }
  const parseErrors = result.rejected.some((r) => r.code === ApiErrorCode.InvalidField);
  // v2: 422 when the lines were fine and only the store refused points (InfluxDB 2's answer for
  // points beyond the retention policy); v1 and bad lines: 400.
  const status = dialect === "v2" && !parseErrors ? 422 : 400;
  sendInfluxError(
    res,
    dialect,
    status,
    partialWriteMessage(result),
    parseErrors ? result.rejected[0]?.line : undefined,
  );
}

/** A required query parameter, or a 400 naming it. */
function required(query: URLSearchParams, name: string, what: string): string {
  const v = query.get(name);
  if (v === null || v === "") throw new ApiError(400, ApiErrorCode.InvalidField, `${what} is required`);
  return v;
}

/** Registers `/write`, `/api/v2/write`, `/ping` and `/query`. */
export function influxRoutes(router: Router, deps: IngestRoutesDeps): void {
  const databases = new KnownDatabases();

  router.add("POST", "/write", (req, res, { query }) =>
    write(deps, "v1", res, async () => {
      deps.keys.require(agentKey(req, query), "write");
      const db = required(query, "db", "database");
      const p = query.get("precision") ?? "ns";
      const precision = parsePrecision(p);
      if (precision === undefined)
        throw new ApiError(400, ApiErrorCode.InvalidField, `invalid precision ${JSON.stringify(p.slice(0, 20))}`);
      const body = await readBody(req, deps.maxBodyBytes);
      databases.saw(db);
      return storeParsed(deps, "influx_v1", () => parseLineProtocol(body, precision), "line");
    }),
  );

  router.add("POST", "/api/v2/write", (req, res, { query }) =>
    write(deps, "v2", res, async () => {
      deps.keys.require(requestKey(req), "write");
      const bucket = required(query, "bucket", "bucket");
      const p = query.get("precision") ?? "ns";
      const precision = parsePrecision(p);
      if (precision === undefined || precision === "m" || precision === "h")
        throw new ApiError(
          400,
          ApiErrorCode.InvalidField,
          "invalid precision; valid precision units are ns, us, ms, and s",
        );
      const body = await readBody(req, deps.maxBodyBytes);
      databases.saw(bucket.split("/")[0] as string);
      return storeParsed(deps, "influx_v2", () => parseLineProtocol(body, precision), "line");
    }),
  );

  router.add("GET", "/ping", (_req, res, { query }) => {
    if (query.get("verbose") === "true") sendJson(res, 200, { version: INFLUX_VERSION }, INFLUX_HEADERS);
    else res.writeHead(204, INFLUX_HEADERS).end();
  });

  influxQueryRoutes(router, deps.keys, databases, (res, status, body) => sendJson(res, status, body, INFLUX_HEADERS));
}
