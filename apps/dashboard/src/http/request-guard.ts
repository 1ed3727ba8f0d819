/**
 * What the dashboard checks on every request before routing it: the `Host` (DNS rebinding) and,
 * on state-changing methods, the `Origin` (cross-site requests). JSON routes check their own
 * content type (`requireJson`). The socket gets the same Host list through the server's
 * `allowedHosts`, so one policy guards every way in.
 */
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { hostAllowed, normalizeAllowedHosts } from "@dashwire/server";
import { ApiError, ApiErrorCode } from "../errors.js";

/** Methods that change state: a browser may only send them from an allowed origin. */
const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The names the dashboard answers to: `localhost` (IP literals always pass), the listen host
 * when it is a name, and `extra` (`--allowed-hosts`; `*` turns the check off). Never empty, so
 * the check holds on every address the app listens on, not only on loopback.
 */
export function dashboardAllowedHosts(listenHost: string, extra: readonly string[]): string[] {
  const names = ["localhost", ...extra];
  if (listenHost !== "" && isIP(listenHost) === 0) names.push(listenHost);
  return names;
}

/** Host and Origin checks of the dashboard's HTTP routes. */
export class RequestGuard {
  private readonly hosts: readonly string[];

  constructor(
    /** `dashboardAllowedHosts(...)`. */
    allowedHosts: readonly string[],
    /** `--cors-origin`: browser origins besides the app's own that may call the API ("*": any). */
    private readonly corsOrigins: readonly string[],
  ) {
    this.hosts = normalizeAllowedHosts(allowedHosts);
  }

  /** Throws a 403 `ApiError` for a foreign Host, or a state-changing request from a foreign origin. */
  check(req: IncomingMessage): void {
    if (!hostAllowed(req, this.hosts))
      throw new ApiError(
        403,
        ApiErrorCode.ForbiddenHost,
        "host not allowed: this server answers to localhost, its IP addresses and --allowed-hosts",
      );
    if (STATE_CHANGING.has(req.method ?? "GET") && !this.originMayWrite(req))
      throw new ApiError(
        403,
        ApiErrorCode.ForbiddenOrigin,
        "origin not allowed to change state here (same origin or --cors-origin only)",
      );
  }

  /**
   * A browser sends `Origin` with every cross-site POST/PUT/DELETE (fetch, form, sendBeacon), so
   * one that is not this server's own, nor listed, is a cross-site request. Without `Origin` the
   * client is not a browser (curl, Telegraf, the CLI) — unless Fetch Metadata says it is one on
   * another site, as a last guard for browsers that leave `Origin` out.
   */
  private originMayWrite(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) {
      const site = req.headers["sec-fetch-site"];
      return site === undefined || site === "same-origin" || site === "none";
    }
    if (this.corsOrigins.includes("*") || this.corsOrigins.includes(origin)) return true;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false; // "null" (sandboxed frames, file:) and garbage
    }
  }
}

/** The request's media type: `Content-Type` without parameters, lower-case ("" when absent). */
export function mediaType(req: IncomingMessage): string {
  return (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** True for `application/json` and `…+json`. */
export function isJsonType(type: string): boolean {
  return type === "application/json" || type.endsWith("+json");
}

/**
 * Throws 415 unless the request says its body is JSON. A browser can send `text/plain` or a
 * form cross-site without asking the server first (a "simple" request); `application/json`
 * needs a CORS preflight, which only allowed origins pass.
 */
export function requireJson(req: IncomingMessage): void {
  const type = mediaType(req);
  if (isJsonType(type)) return;
  throw new ApiError(
    415,
    ApiErrorCode.UnsupportedMediaType,
    `content-type ${type === "" ? "(none)" : type} not accepted: send application/json`,
  );
}
