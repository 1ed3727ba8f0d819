import { ApiError } from "../api.js";
import { type Child, h } from "../dom.js";

/** A centred placeholder: loading, empty or error. */
export function placeholder(title: string, detail?: string, action?: HTMLElement): HTMLElement {
  return h(
    "div",
    { class: "placeholder", "data-testid": "placeholder" },
    h("h2", null, title),
    detail ? h("p", null, detail) : null,
    action ?? null,
  );
}

/** A placeholder for a failed API call. */
export function errorState(err: unknown, what: string): HTMLElement {
  if (err instanceof ApiError && err.status === 404) {
    return placeholder(`${what} not found`, err.message, h("a", { class: "btn", href: "#/" }, "All dashboards"));
  }
  const msg = err instanceof Error ? err.message : String(err);
  return placeholder(
    `Could not load ${what.toLowerCase()}`,
    msg,
    h("button", { class: "btn", type: "button", onclick: () => location.reload() }, "Retry"),
  );
}

/** A page's head: its title and a line under it, and its actions on the right. */
export function pageHead(title: string, subtitle: string, ...actions: Child[]): HTMLElement {
  return h(
    "div",
    { class: "page-head" },
    h("div", null, h("h1", null, title), h("p", { class: "muted" }, subtitle)),
    h("div", { class: "row" }, actions),
  );
}
