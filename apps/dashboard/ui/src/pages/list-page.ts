import { type Dashboard, listDashboards } from "../api.js";
import { h, replaceChildren, s } from "../dom.js";
import { type AppContext, BUILTIN_DASHBOARDS, type Unmount } from "./app-context.js";
import { errorState, placeholder } from "./page-state.js";

const KIND_ICON: Record<string, string> = {
  timeseries: "M3 17l5-6 4 3 6-8 3 3",
  stat: "M5 19V9M12 19V5M19 19v-7",
  gauge: "M4 17a8 8 0 1 1 16 0M12 17l4-5",
  table: "M3 6h18M3 12h18M3 18h18",
  online: "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8M4 20a8 8 0 0 1 16 0",
};

function kindIcons(d: Dashboard): SVGSVGElement[] {
  const counts = new Map<string, number>();
  for (const p of d.panels ?? []) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
  return [...counts.keys()].map((k) =>
    s(
      "svg",
      { class: "kind-icon", viewBox: "0 0 24 24", "aria-label": k },
      s("title", null, `${counts.get(k)} ${k}`),
      s("path", {
        d: KIND_ICON[k] ?? KIND_ICON.table!,
        fill: "none",
        stroke: "currentColor",
        "stroke-width": 2,
        "stroke-linecap": "round",
        "stroke-linejoin": "round",
      }),
    ),
  );
}

function card(d: Dashboard): HTMLElement {
  const n = d.panels?.length ?? 0;
  return h(
    "article",
    { class: "card", "data-testid": "dashboard-card", "data-id": d.id },
    h(
      "a",
      { class: "card__main", href: `#/d/${encodeURIComponent(d.id)}` },
      h("h2", { class: "card__title" }, d.title || d.id),
      h(
        "p",
        { class: "card__meta" },
        `${n} panel${n === 1 ? "" : "s"}`,
        BUILTIN_DASHBOARDS.has(d.id) ? h("span", { class: "tag" }, "built-in") : null,
      ),
      h("div", { class: "card__kinds" }, kindIcons(d)),
    ),
    h(
      "div",
      { class: "card__actions" },
      h("a", { class: "btn btn--ghost btn--sm", href: `#/d/${encodeURIComponent(d.id)}/edit` }, "Edit"),
    ),
  );
}

/** The dashboard list: one card per dashboard and a button to create one. */
export function mountList(root: HTMLElement, app: AppContext): Unmount {
  let gone = false;
  app.shell.setCrumbs([["Dashboards"]]);
  app.shell.setOnline(null);
  document.title = "Dashboards · dashwire";
  const grid = h("div", { class: "cards" });
  replaceChildren(
    root,
    h(
      "div",
      { class: "page-head" },
      h(
        "div",
        null,
        h("h1", null, "Dashboards"),
        h("p", { class: "muted" }, "Live views of your metrics, updated every second."),
      ),
      h("a", { class: "btn btn--primary", href: "#/new", "data-testid": "new-dashboard" }, "+ New dashboard"),
    ),
    grid,
  );
  grid.append(placeholder("Loading…"));
  listDashboards().then(
    (list) => {
      if (gone) return;
      const sorted = [...list].sort(
        (a, b) =>
          Number(BUILTIN_DASHBOARDS.has(b.id)) - Number(BUILTIN_DASHBOARDS.has(a.id)) ||
          (a.title || a.id).localeCompare(b.title || b.id),
      );
      replaceChildren(
        grid,
        sorted.length ? sorted.map(card) : placeholder("No dashboards yet", "Create one to get started."),
      );
    },
    (err) => {
      if (!gone) replaceChildren(grid, errorState(err, "Dashboards"));
    },
  );
  return () => {
    gone = true;
  };
}
