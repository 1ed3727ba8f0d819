import { DashwireError, type DashwireServer } from "@dashwire/server";
import { type IngestRoutesDeps, storeParsed } from "../api/ingest-deps.js";
import type { ApiKeys } from "../auth/api-keys.js";
import { requireSocketScope, socketKeys } from "../auth/read-access.js";
import { ApiError, ApiErrorCode } from "../errors.js";
import type { IngestResult } from "../ingest/ingest.js";
import { parseJsonPoints } from "../ingest/json-points.js";
import { StoreError } from "../store/store-error.js";

/**
 * The socket's side of the API: its token is an API key whose scopes guard subscriptions (reads)
 * and socket ingest, `emit("metrics.write", points)` with the same body as the JSON API (writes).
 * The ack leaves once the points are committed; a refusal carries the same code as over HTTP.
 */
export function serveSocketIngest(server: DashwireServer, keys: ApiKeys, ingest: IngestRoutesDeps): void {
  server.useConnect(socketKeys(keys));
  server.on<unknown, IngestResult>("metrics.write", async (data, ctx) => {
    requireSocketScope(keys, ctx.client, "write");
    try {
      return await storeParsed(ingest, "socket", () => parseJsonPoints(data), "index");
    } catch (err) {
      // The same code as over HTTP (bad body 1002, disk full 10507, database down 5001, too many
      // writes 10503); a 5xx's details stay in the log, as over HTTP.
      const api = err instanceof StoreError ? err.toApiError() : err;
      if (!(api instanceof ApiError)) throw err;
      if (api.status >= 500 && api.code !== ApiErrorCode.Busy) server.logger.warn({ err }, "socket ingest failed");
      throw new DashwireError(api.code, api.publicMessage);
    }
  });
}
