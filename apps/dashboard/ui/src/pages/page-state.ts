import { ApiError } from "../api.js";
import { h } from "../dom.js";

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
