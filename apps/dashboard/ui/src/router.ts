/** The pages of the app, addressed by the location hash. */
export type Route =
  | { page: "list" }
  | { page: "view"; id: string; query: string }
  | { page: "edit"; id: string }
  | { page: "new" }
  | { page: "alerts" }
  | { page: "missing"; hash: string };

/**
 * Reads a route from a hash: `#/`, `#/d/<id>`, `#/d/<id>/edit`, `#/new`, `#/alerts`. A dashboard's view
 * carries what follows `?` (its time range and variables: `#/d/<id>?from=now-1h&to=now`).
 */
export function parseRoute(hash: string): Route {
  const q = hash.indexOf("?");
  const query = q < 0 ? "" : hash.slice(q + 1);
  const path = (q < 0 ? hash : hash.slice(0, q)).replace(/^#/, "").replace(/\/+$/, "") || "/";
  if (path === "/" || path === "") return { page: "list" };
  if (path === "/new") return { page: "new" };
  if (path === "/alerts") return { page: "alerts" };
  const m = /^\/d\/([^/]+)(\/edit)?$/.exec(path);
  if (m) {
    let id: string;
    try {
      id = decodeURIComponent(m[1]!);
    } catch {
      return { page: "missing", hash };
    }
    return m[2] ? { page: "edit", id } : { page: "view", id, query };
  }
  return { page: "missing", hash };
}

/** The hash of a route. */
export function routeHash(r: Route): string {
  switch (r.page) {
    case "list":
      return "#/";
    case "new":
      return "#/new";
    case "alerts":
      return "#/alerts";
    case "view":
      return `#/d/${encodeURIComponent(r.id)}${r.query ? `?${r.query}` : ""}`;
    case "edit":
      return `#/d/${encodeURIComponent(r.id)}/edit`;
    default:
      return r.hash;
  }
}

/** Calls `onRoute` now and on every hash change. */
export function startRouter(onRoute: (r: Route) => void): () => void {
  const handler = () => onRoute(parseRoute(location.hash));
  window.addEventListener("hashchange", handler);
  handler();
  return () => window.removeEventListener("hashchange", handler);
}
