import { panelNumber, panelRegistry } from "../../../src/panels/panel-kinds.js";
import { type Dashboard, getDashboard } from "../api.js";
import type { DebugView } from "../debug-view.js";
import { h, replaceChildren } from "../dom.js";
import { PresenceTracker } from "../live/presence-tracker.js";
import type { BasePanel } from "../panels/base-panel.js";
import { arrangeBar } from "../layout/arrange-bar.js";
import { loadGridLibrary, PanelGrid, withLayout } from "../layout/panel-grid.js";
import { createPanel, kindOf } from "../panels/create-panel.js";
import type { TimeControl } from "../panels/panel-context.js";
import { rangePicker } from "../time/range-picker.js";
import { parseRange, sameRange, type TimeRange, writeRange } from "../time/time-range.js";
import type { AppContext, Unmount } from "./app-context.js";
import { errorState, placeholder } from "./page-state.js";
import { annotationSpan, PanelOverlays } from "./panel-overlays.js";
import {
  currentValues,
  loadChoices,
  resolvePanel,
  type VariableChoices,
  variableBar,
  variableParam,
} from "./variable-bar.js";

/**
 * A dashboard: its panels, each live; presence on `dashboard:<id>`. Feeds pause while the tab
 * is hidden (no subscriptions, no drawing) and catch up when it shows again. The time range and
 * the variables' values are in the URL's query (`#/d/<id>?from=now-1h&to=now&var-host=web-2`): a
 * change pushes a history entry, and a new query (back, forward, a pasted link) restarts the
 * panels' feeds (the range) or builds the panels again (a variable) without a remount.
 */
export function mountView(root: HTMLElement, app: AppContext, id: string, query = ""): Unmount {
  let gone = false;
  let panels: BasePanel[] = [];
  let presence: PresenceTracker | null = null;
  let params = new URLSearchParams(query);
  let range: TimeRange = parseRange(params);
  const cleanups: (() => void)[] = [];
  let dashboard: Dashboard | null = null;
  let choices: VariableChoices[] = [];
  let values: Record<string, string> = {};
  const grid = new PanelGrid();
  let panelsSpanMs = 300_000;
  // Alert states and annotations over the panels, live; annotations of the range shown.
  const overlays = new PanelOverlays(app.conn.client, id, () => annotationSpan(range, panelsSpanMs, Date.now()));
  const varSlot = h("div", { class: "page-head__vars" });
  const rangeSlot = h("div", { class: "page-head__tools" });
  const subtitle = h("p", { class: "muted" });
  app.shell.setCrumbs([["Dashboards", "#/"], [id]]);
  app.shell.setOnline(null);
  replaceChildren(root, placeholder("Loading…"));

  const feeds = () => panels.flatMap((p) => p.feeds);

  const onVisibility = () => {
    if (document.hidden) for (const f of feeds()) f.pause();
    else for (const f of feeds()) f.resume();
    for (const p of panels) app.scheduler.request(p);
  };

  /** Records the query as a new history entry (a user's choice; the URL's own needs none). */
  const pushQuery = () => {
    const q = params.toString();
    history.pushState(null, "", `#/d/${encodeURIComponent(id)}${q ? `?${q}` : ""}`);
  };
  /** Shows `next` on every panel; `push`: also in the URL. */
  const applyRange = (next: TimeRange, push: boolean) => {
    if (sameRange(next, range)) return;
    range = next;
    if (push) {
      writeRange(params, range);
      pushQuery();
    }
    showRange();
    for (const p of panels) p.restart();
    overlays.reload();
  };
  /** Takes the variables' values from `params`; builds the panels again when one changed. */
  const applyValues = () => {
    const next = currentValues(choices, params);
    const changed = JSON.stringify(next) !== JSON.stringify(values);
    values = next;
    replaceChildren(varSlot, variableBar(choices, values, setVariable));
    if (changed && dashboard !== null) void buildPanels(dashboard);
  };
  const setVariable = (name: string, value: string) => {
    params.set(variableParam(name), value);
    pushQuery();
    applyValues();
  };
  const time: TimeControl = {
    get range() {
      return range;
    },
    set: (r) => applyRange(r, true),
  };
  const showRange = () => {
    const defs = dashboard?.panels ?? [];
    const n = defs.length;
    subtitle.textContent = `${n} panel${n === 1 ? "" : "s"} · ${range.kind === "absolute" ? "past range" : "live"}`;
    panelsSpanMs = Math.max(
      60_000,
      ...defs.map((def) => (panelNumber(def, kindOf(def.kind, panelRegistry), "windowSec") ?? 300) * 1000),
    );
    replaceChildren(rangeSlot, rangePicker({ range, set: time.set, panelsSpanMs }));
  };

  /** (Re)builds every panel with the variables' current values, places it, and starts it. */
  const buildPanels = async (d: Dashboard) => {
    for (const p of panels) p.destroy();
    const ctx = { conn: app.conn, scheduler: app.scheduler, presence: presence as PresenceTracker, time };
    const built = (d.panels ?? []).map((def) => createPanel(resolvePanel(def, values), ctx));
    panels = built;
    await grid.show(built);
    // Started once placed (their width picks their step); not when unmounted or rebuilt meanwhile.
    if (gone || panels !== built) return;
    for (const panel of built) panel.start();
    overlays.setPanels(built);
    if (document.hidden) onVisibility();
  };

  const show = (d: Dashboard) => {
    dashboard = d;
    document.title = `${d.title || d.id} · dashwire`;
    app.shell.setCrumbs([["Dashboards", "#/"], [d.title || d.id]]);
    presence = new PresenceTracker(app.conn, d.id);
    values = currentValues(choices, params);
    replaceChildren(varSlot, variableBar(choices, values, setVariable));
    showRange();
    replaceChildren(
      root,
      h(
        "div",
        { class: "page-head" },
        h("div", null, h("h1", { "data-testid": "dashboard-title" }, d.title || d.id), subtitle),
        h(
          "div",
          { class: "row row--wrap page-head__right" },
          varSlot,
          rangeSlot,
          d.panels.length
            ? arrangeBar({
                id: d.id,
                grid,
                saved: (layout) => {
                  if (dashboard !== null) dashboard = { ...dashboard, panels: withLayout(dashboard.panels, layout) };
                },
                // Each panel back where the dashboard (as last saved) puts it.
                reset: () =>
                  void grid.show(
                    panels.map((p) => ({
                      el: p.el,
                      def: { ...p.def, grid: dashboard?.panels.find((q) => q.id === p.def.id)?.grid },
                    })),
                  ),
              })
            : null,
          h(
            "a",
            { class: "btn", href: `#/d/${encodeURIComponent(d.id)}/edit`, "data-testid": "edit-dashboard" },
            "Edit",
          ),
        ),
      ),
      d.panels.length
        ? grid.el
        : placeholder(
            "This dashboard has no panels",
            "Add some in the editor.",
            h("a", { class: "btn btn--primary", href: `#/d/${encodeURIComponent(d.id)}/edit` }, "Edit dashboard"),
          ),
    );
    const p = presence;
    cleanups.push(p.onChange(() => app.shell.setOnline(p.count)));
    p.start();
    app.shell.setOnline(p.count);
    overlays.start();
    void buildPanels(d);
    document.addEventListener("visibilitychange", onVisibility);
    cleanups.push(() => document.removeEventListener("visibilitychange", onVisibility));
    window.__dashwire = {
      view: (): DebugView => ({
        dashboard: d.id,
        frames: app.scheduler.frames,
        range,
        variables: { ...values },
        panels: panels.map((pn) => ({
          id: pn.def.id,
          kind: pn.def.kind,
          feeds: pn.feeds.map((f) => ({
            series: f.options.series,
            state: f.state,
            subscribed: f.subscribed,
            received: f.received,
            step: f.step,
            t: [...f.window.t],
          })),
        })),
      }),
    };
  };

  void loadGridLibrary();
  getDashboard(id).then(
    async (d) => {
      // The variables' values first: panels are built once, with them.
      choices = await loadChoices(d.variables ?? []);
      if (!gone) show(d);
    },
    (err) => {
      if (!gone) replaceChildren(root, errorState(err, "Dashboard"));
    },
  );

  const unmount: Unmount = () => {
    gone = true;
    for (const c of cleanups) c();
    for (const p of panels) p.destroy();
    grid.destroy();
    overlays.stop();
    presence?.stop();
    app.shell.setOnline(null);
    window.__dashwire = { view: () => null };
  };
  unmount.update = (q: string) => {
    params = new URLSearchParams(q);
    applyValues();
    applyRange(parseRange(params), false);
  };
  return unmount;
}
