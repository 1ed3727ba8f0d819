import { type PanelRegistry, panelKinds, panelRegistry } from "../../../src/panels/panel-kinds.js";
import type { PanelOptionSpec } from "../../../src/panels/panel-options.js";
import {
  ApiError,
  type Dashboard,
  deleteDashboard,
  getDashboardVersioned,
  listSeries,
  type Panel,
  STALE_WRITE,
  saveDashboard,
  type Threshold,
} from "../api.js";
import { h, replaceChildren } from "../dom.js";
import { kindOf } from "../panels/create-panel.js";
import { type AppContext, BUILTIN_DASHBOARDS, type Unmount } from "./app-context.js";
import { errorState, placeholder } from "./page-state.js";
import { panelEditor } from "./panel-editor.js";
import { fillSeriesDatalist } from "./series-picker.js";
import { cleanVariables, variablesEditor } from "./variables-editor.js";

/** Turns a title into a dashboard id: lowercase words joined by dashes. */
export function slugify(title: string): string {
  return (
    title
      .toLowerCase()
      .normalize("NFKD")
      .replace(/\p{M}/gu, "") // accents split off by NFKD: "é" → "e"
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 48) || "dashboard"
  );
}

/** A panel id not used in `panels`. */
function newPanelId(panels: Panel[]): string {
  const used = new Set(panels.map((p) => p.id));
  let i = panels.length + 1;
  while (used.has(`p${i}`)) i++;
  return `p${i}`;
}

/** An option's value as sent to the API, or undefined to leave it out (unset, empty, wrong type). */
function cleanOption(spec: PanelOptionSpec | undefined, v: unknown): unknown {
  switch (spec?.type) {
    case "number":
      return typeof v === "number" ? v : undefined;
    case "text":
      return typeof v === "string" && v !== "" ? v : undefined;
    case "thresholds":
      return Array.isArray(v) && v.length > 0 ? v.map((t: Threshold) => ({ ...t })) : undefined;
    default:
      return undefined;
  }
}

/**
 * The definition as sent to the API: titles trimmed, and of each panel the series and options
 * its kind uses, empty ones left out (what the editor does not show is not saved).
 */
export function cleanDashboard(d: Dashboard, registry: PanelRegistry = panelRegistry): Dashboard {
  const variables = cleanVariables(d.variables ?? []);
  return {
    id: d.id.trim(),
    title: d.title.trim() || d.id.trim(),
    ...(variables.length > 0 ? { variables } : {}),
    panels: d.panels.map((p) => {
      const kind = kindOf(p.kind, registry);
      const out: Panel = { id: p.id, kind: p.kind, title: p.title.trim(), series: kind.series ? [...p.series] : [] };
      // Its place on the grid (set by arranging the dashboard) is kept whatever its kind.
      if (p.grid !== undefined) out.grid = { ...p.grid };
      const from = p as unknown as Record<string, unknown>;
      const to = out as unknown as Record<string, unknown>;
      for (const name of kind.options) {
        const v = cleanOption(registry.options[name], from[name]);
        if (v !== undefined) to[name] = v;
      }
      return out;
    }),
  };
}

/** What the editor says when a save or delete was refused because someone else saved first. */
export const STALE_NOTICE =
  "Someone else changed this dashboard since you opened it, so your changes were not saved. " +
  "The editor now shows their version: make your changes again, then save.";

/** The editor: title, id (new dashboards), panels added, removed, reordered and configured. */
export function mountEditor(root: HTMLElement, app: AppContext, id: string | null): Unmount {
  let gone = false;
  const isNew = id === null;
  app.shell.setOnline(null);
  app.shell.setCrumbs(
    isNew
      ? [["Dashboards", "#/"], ["New dashboard"]]
      : [["Dashboards", "#/"], [id, `#/d/${encodeURIComponent(id)}`], ["Edit"]],
  );
  document.title = `${isNew ? "New dashboard" : `Edit ${id}`} · dashwire`;
  replaceChildren(root, placeholder("Loading…"));

  listSeries().then(
    (series) => {
      if (!gone) fillSeriesDatalist(series);
    },
    () => {},
  );

  // The version being edited: every save and delete names it (If-Match), so an edit made
  // meanwhile elsewhere is never overwritten silently.
  let etag = "";
  const edit = (draft: Dashboard, notice?: string) => {
    let idTouched = !isNew;
    draft.variables ??= [];
    const list = h("div", { class: "panel-editors" });
    const error = h("p", { class: "form-error", role: "alert", "data-testid": "editor-error", hidden: true });
    const conflict = h(
      "p",
      { class: "form-error", role: "alert", "data-testid": "editor-conflict", hidden: notice === undefined },
      notice ?? "",
    );
    const idInput = h("input", {
      class: "input",
      type: "text",
      value: draft.id,
      disabled: !isNew,
      pattern: "[A-Za-z0-9_.\\-]+",
      "data-testid": "editor-id",
      "aria-label": "Dashboard id",
      oninput: (e) => {
        idTouched = true;
        draft.id = (e.target as HTMLInputElement).value.trim();
      },
    });
    const titleInput = h("input", {
      class: "input input--lg",
      type: "text",
      value: draft.title,
      placeholder: "Dashboard title",
      "data-testid": "editor-title",
      "aria-label": "Dashboard title",
      oninput: (e) => {
        draft.title = (e.target as HTMLInputElement).value;
        if (!idTouched) {
          draft.id = slugify(draft.title);
          idInput.value = draft.id;
        }
      },
    });

    const renderPanels = () => {
      const ps = draft.panels;
      replaceChildren(
        list,
        ps.length === 0 ? h("p", { class: "muted empty-editor" }, "No panels yet. Add one below.") : null,
        ps.map((p, i) =>
          panelEditor(p, i, {
            up: i > 0 ? () => move(i, -1) : undefined,
            down: i < ps.length - 1 ? () => move(i, 1) : undefined,
            remove: () => {
              ps.splice(i, 1);
              renderPanels();
            },
            changed: renderPanels,
          }),
        ),
      );
    };
    const move = (i: number, by: number) => {
      const [p] = draft.panels.splice(i, 1);
      if (p) draft.panels.splice(i + by, 0, p);
      renderPanels();
    };
    const addPanel = () => {
      draft.panels.push({
        id: newPanelId(draft.panels),
        kind: panelKinds[0].name,
        title: "",
        series: [],
        thresholds: [],
      });
      renderPanels();
      list.lastElementChild?.querySelector<HTMLInputElement>("[data-testid=panel-title]")?.focus();
    };

    const saveBtn = h("button", { type: "submit", class: "btn btn--primary", "data-testid": "save-dashboard" }, "Save");
    const save = async (e: Event) => {
      e.preventDefault();
      const body = cleanDashboard(draft);
      if (!body.id) return showError("Give the dashboard a title or an id.");
      saveBtn.disabled = true;
      try {
        const saved = await saveDashboard(body, isNew, etag);
        if (!gone) location.hash = `#/d/${encodeURIComponent(saved.id)}`;
      } catch (err) {
        if (err instanceof ApiError && err.status === STALE_WRITE) return reload(STALE_NOTICE);
        showError(err instanceof ApiError ? `${err.message}${err.code ? ` (code ${err.code})` : ""}` : String(err));
      } finally {
        saveBtn.disabled = false;
      }
    };
    const showError = (msg: string) => {
      error.textContent = msg;
      error.hidden = false;
    };
    const remove = async () => {
      if (!confirm(`Delete dashboard "${draft.title || draft.id}"?`)) return;
      try {
        await deleteDashboard(draft.id, etag);
        location.hash = "#/";
      } catch (err) {
        if (err instanceof ApiError && err.status === STALE_WRITE) return reload(STALE_NOTICE);
        showError(String((err as Error).message));
      }
    };

    renderPanels();
    replaceChildren(
      root,
      h(
        "form",
        { class: "editor", onsubmit: (e) => void save(e) },
        h(
          "div",
          { class: "page-head" },
          h("h1", null, isNew ? "New dashboard" : "Edit dashboard"),
          h(
            "div",
            { class: "row" },
            !isNew && !BUILTIN_DASHBOARDS.has(draft.id)
              ? h("button", { type: "button", class: "btn btn--danger-ghost", onclick: () => void remove() }, "Delete")
              : null,
            h("a", { class: "btn btn--ghost", href: isNew ? "#/" : `#/d/${encodeURIComponent(draft.id)}` }, "Cancel"),
            saveBtn,
          ),
        ),
        conflict,
        error,
        h(
          "div",
          { class: "editor__meta" },
          h("label", { class: "field field--grow" }, h("span", { class: "field__label" }, "Title"), titleInput),
          h("label", { class: "field" }, h("span", { class: "field__label" }, "Id"), idInput),
        ),
        h(
          "details",
          { class: "editor__section", open: draft.variables.length > 0 },
          h("summary", { class: "field__label" }, "Variables"),
          variablesEditor(draft.variables),
        ),
        list,
        h(
          "button",
          { type: "button", class: "btn add-panel", "data-testid": "add-panel", onclick: addPanel },
          "+ Add panel",
        ),
      ),
    );
    if (isNew) titleInput.focus();
  };

  /** Loads the stored version (again) into the editor, with `notice` shown above it. */
  const reload = (notice?: string) => {
    if (id === null) return;
    getDashboardVersioned(id).then(
      ({ dashboard: d, etag: version }) => {
        if (gone) return;
        etag = version;
        edit(
          {
            id: d.id,
            title: d.title ?? "",
            variables: (d.variables ?? []).map((v) => ({ ...v })),
            panels: (d.panels ?? []).map((p) => ({
              ...p,
              series: [...(p.series ?? [])],
              thresholds: [...(p.thresholds ?? [])].map((t) => ({ ...t })),
            })),
          },
          notice,
        );
      },
      (err) => {
        if (!gone) replaceChildren(root, errorState(err, "Dashboard"));
      },
    );
  };

  if (isNew) edit({ id: "", title: "", panels: [] });
  else reload();

  return () => {
    gone = true;
  };
}
