/**
 * The server HTTP API, like Centrifugo's: any backend (a Django view, a cron job, curl) publishes,
 * broadcasts, reads presence and history, and disconnects users with `POST {path}/<method>` and
 * an API key. JSON in, `{"result": …}` or `{"error": {"code", "message"}}` out. Off unless keys
 * are configured. See docs/server-api.md.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ErrorCode } from "@dashwire/protocol";
import { DashwireError, toWireError } from "../errors.js";
import { type ServerApiHost, type ServerApiMethod, serverApiMethods } from "./server-api-methods.js";
import { ApiKeyRing, checkSender, presentedKey, readJson, ServerApiError } from "./server-api-request.js";
import { type ServerApiOptions, serverApiDefaults } from "./server-api-options.js";

/** HTTP status of an error code the methods raise without one. */
function statusOf(code: number): number {
  if (code === ErrorCode.Unauthorized) return 401;
  if (code === ErrorCode.Forbidden) return 403;
  if (code === ErrorCode.PayloadTooLarge) return 413;
  if (code === ErrorCode.BrokerUnavailable) return 503;
  if (code === ErrorCode.Internal) return 500;
  return 400;
}

/** Serves the server API routes of one dashwire server. */
export class ServerApi {
  private readonly keys: ApiKeyRing;
  private readonly methods: Map<string, ServerApiMethod>;
  private readonly prefix: string;

  private constructor(
    private readonly host: ServerApiHost,
    private readonly options: ServerApiOptions,
  ) {
    this.keys = new ApiKeyRing(options.keys);
    this.methods = serverApiMethods(host, options);
    this.prefix = `${options.path.replace(/\/+$/, "")}/`;
  }

  /** The API of `host`, or undefined when no key is configured (the API is off). */
  static create(host: ServerApiHost, input: Partial<ServerApiOptions> | undefined): ServerApi | undefined {
    const options = { ...serverApiDefaults, ...input };
    if (options.keys.length === 0) return undefined;
    return new ServerApi(host, options);
  }

  /** Serves `POST {path}/<method>` for a known method; false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    if (!path.startsWith(this.prefix)) return false;
    const method = this.methods.get(path.slice(this.prefix.length));
    if (method === undefined) return false;
    this.serve(req, res, method).catch((err: unknown) => {
      this.host.logger.error({ err }, "server API response failed");
      res.destroy();
    });
    return true;
  }

  private async serve(req: IncomingMessage, res: ServerResponse, method: ServerApiMethod): Promise<void> {
    try {
      if (req.method !== "POST") {
        res.setHeader("allow", "POST");
        throw new ServerApiError(405, ErrorCode.UnknownType, "server API methods take POST");
      }
      checkSender(req, this.host.options.allowedOrigins);
      if (!this.host.hostAllowed(req))
        throw new ServerApiError(403, ErrorCode.Forbidden, "Host not allowed (allowedHosts)");
      const key = presentedKey(req);
      if (key === undefined || !this.keys.accepts(key)) {
        res.setHeader("www-authenticate", "apikey");
        this.host.logger.warn({ address: req.socket.remoteAddress, url: req.url }, "server API key refused");
        throw new ServerApiError(
          401,
          ErrorCode.Unauthorized,
          key === undefined ? "API key required (Authorization: apikey <key>, or X-API-Key)" : "unknown API key",
        );
      }
      const result = await method(await readJson(req, this.options.bodyBytes));
      respond(res, 200, { result });
    } catch (err) {
      req.resume(); // whatever is left of the body is discarded, so the connection can be reused
      if (!(err instanceof DashwireError)) this.host.logger.error({ err }, "server API method failed");
      const status = err instanceof ServerApiError ? err.status : statusOf(toWireError(err).code);
      respond(res, status, { error: toWireError(err) });
    }
  }
}

function respond(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}
