import { panelRegistry } from "../../../src/panels/panel-kinds.js";
import { type Dashboard, listDashboards } from "../api.js";
import { h, replaceChildren, s } from "../dom.js";
import { kindOf } from "../panels/create-panel.js";
import { type AppContext, BUILTIN_DASHBOARDS, type Unmount } from "./app-context.js";
import { downloadDashboard, duplicateDashboard, importForm } from "./dashboard-transfer.js";
import { errorState, pageHead, placeholder } from "./page-state.js";

/** One icon per kind of panel the dashboard holds (its registered icon; a table's for an unknown kind). */
function kindIcons(d: Dashboard): SVGSVGElement[] {
  const counts = new Map<string, number>();
  for (const p of d.panels ?? []) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
  return [...counts.keys()].map((k) =>
    s(
      "svg",
      { class: "kind-icon", viewBox: "0 0 24 24", "aria-label": k },
      s("title", null, `${counts.get(k)} ${k}`),
      s("path", {
        d: kindOf(k, panelRegistry).icon,
        fill: "none",
        stroke: "currentColor",
        "stroke-width": 2,
        "stroke-linecap": "round",
        "stroke-linejoin": "round",
      }),
    ),
  );
}

/** Stores a copy of `d` under a new id and shows it; a failure is said on the card. */
function duplicate(d: Dashboard, button: HTMLButtonElement): void {
  button.disabled = true;
  duplicateDashboard(d.id).then(
    (copy) => {
      location.hash = `#/d/${encodeURIComponent(copy.id)}`;
    },
    (err: unknown) => {
      button.disabled = false;
      button.title = `Could not duplicate: ${(err as Error).message}`;
      button.textContent = "Duplicate failed";
    },
  );
}

function card(d: Dashboard): HTMLElement {
  const dup: HTMLButtonElement = h(
    "button",
    {
      type: "button",
      class: "btn btn--ghost btn--sm",
      "data-testid": "card-duplicate",
      title: "A copy under a new id",
      onclick: () => duplicate(d, dup),
    },
    "Duplicate",
  );
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
      h(
        "button",
        {
          type: "button",
          class: "btn btn--ghost btn--sm",
          "data-testid": "card-export",
          title: "Save its JSON",
          onclick: () => downloadDashboard(d),
        },
        "Export",
      ),
      dup,
      h("a", { class: "btn btn--ghost btn--sm", href: `#/d/${encodeURIComponent(d.id)}/edit` }, "Edit"),
    ),
  );
}

/** The dashboard list: one card per dashboard (export, duplicate, edit), and buttons to create or import one. */
export function mountList(root: HTMLElement, app: AppContext): Unmount {
  let gone = false;
  app.shell.setCrumbs([["Dashboards"]]);
  app.shell.setOnline(null);
  document.title = "Dashboards · dashwire";
  const grid = h("div", { class: "cards" });
  const importSlot = h("div", { class: "import-slot" });
  const openImport = () =>
    replaceChildren(
      importSlot,
      importForm(
        (d) => {
          location.hash = `#/d/${encodeURIComponent(d.id)}`;
        },
        () => replaceChildren(importSlot),
      ),
    );
  replaceChildren(
    root,
    pageHead(
      "Dashboards",
      "Live views of your metrics, updated every second.",
      h("button", { type: "button", class: "btn", "data-testid": "import-dashboard", onclick: openImport }, "Import"),
      h("a", { class: "btn btn--primary", href: "#/new", "data-testid": "new-dashboard" }, "+ New dashboard"),
    ),
    importSlot,
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
