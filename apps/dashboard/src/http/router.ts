import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError, ApiErrorCode } from "../errors.js";

/** What a route handler gets besides the request and response. */
export interface RouteContext {
  /** Values of `:name` segments. */
  params: Record<string, string>;
  /** Query string. */
  query: URLSearchParams;
}

/** Handles one matched request; throw an `ApiError` to answer with an error. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, ctx: RouteContext) => void | Promise<void>;

interface Route {
  method: string;
  parts: string[];
  handler: RouteHandler;
}

/** A small method + path router (`/api/v1/dashboards/:id`); 405 when only the method differs. */
export class Router {
  private readonly routes: Route[] = [];

  /** Adds a route. */
  add(method: string, path: string, handler: RouteHandler): this {
    this.routes.push({ method, parts: path.split("/"), handler });
    return this;
  }

  /**
   * Finds the handler of `method` + `pathname`: undefined when no route has that path, throws
   * 405 when one has it with another method.
   */
  match(method: string, pathname: string): { handler: RouteHandler; params: Record<string, string> } | undefined {
    const parts = pathname.split("/");
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchParts(route.parts, parts);
      if (params === undefined) continue;
      if (route.method === method || (method === "HEAD" && route.method === "GET"))
        return { handler: route.handler, params };
      allowed.push(route.method);
    }
    if (allowed.length > 0)
      throw new ApiError(
        405,
        ApiErrorCode.MethodNotAllowed,
        `${method} not allowed here (allowed: ${allowed.join(", ")})`,
      );
    return undefined;
  }
}

/** A C0 control character or DEL. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
export const CONTROL = /[\u0000-\u001f\u007f]/;

function matchParts(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const v = parts[i] as string;
    if (p.startsWith(":")) {
      if (v.length === 0) return undefined;
      let value: string;
      try {
        value = decodeURIComponent(v);
      } catch {
        return undefined;
      }
      // No id or name of anything holds a control character; a NUL one reached PostgreSQL,
      // whose text refuses it (a 500). Such a path names nothing: 404.
      if (CONTROL.test(value)) return undefined;
      params[p.slice(1)] = value;
    } else if (p !== v) return undefined;
  }
  return params;
}
