import { type Dashboard, getDashboard } from "../api.js";
import type { DebugView } from "../debug-view.js";
import { h, replaceChildren } from "../dom.js";
import { PresenceTracker } from "../live/presence-tracker.js";
import type { BasePanel } from "../panels/base-panel.js";
import { createPanel } from "../panels/create-panel.js";
import type { AppContext, Unmount } from "./app-context.js";
import { errorState, placeholder } from "./page-state.js";

/**
 * A dashboard: its panels, each live; presence on `dashboard:<id>`. Feeds pause while the tab
 * is hidden (no subscriptions, no drawing) and catch up when it shows again.
 */
export function mountView(root: HTMLElement, app: AppContext, id: string): Unmount {
  let gone = false;
  let panels: BasePanel[] = [];
  let presence: PresenceTracker | null = null;
  const cleanups: (() => void)[] = [];
  app.shell.setCrumbs([["Dashboards", "#/"], [id]]);
  app.shell.setOnline(null);
  replaceChildren(root, placeholder("Loading…"));

  const feeds = () => panels.flatMap((p) => p.feeds);

  const onVisibility = () => {
    if (document.hidden) for (const f of feeds()) f.pause();
    else for (const f of feeds()) f.resume();
    for (const p of panels) app.scheduler.request(p);
  };

  const show = (d: Dashboard) => {
    document.title = `${d.title || d.id} · dashwire`;
    app.shell.setCrumbs([["Dashboards", "#/"], [d.title || d.id]]);
    presence = new PresenceTracker(app.conn, d.id);
    const ctx = { conn: app.conn, scheduler: app.scheduler, presence };
    panels = (d.panels ?? []).map((def) => createPanel(def, ctx));
    const grid = h(
      "div",
      { class: "grid", "data-testid": "panel-grid" },
      panels.map((p) => p.el),
    );
    replaceChildren(
      root,
      h(
        "div",
        { class: "page-head" },
        h(
          "div",
          null,
          h("h1", { "data-testid": "dashboard-title" }, d.title || d.id),
          h("p", { class: "muted" }, `${panels.length} panel${panels.length === 1 ? "" : "s"} · live`),
        ),
        h("a", { class: "btn", href: `#/d/${encodeURIComponent(d.id)}/edit`, "data-testid": "edit-dashboard" }, "Edit"),
      ),
      panels.length
        ? grid
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
    for (const panel of panels) panel.start();
    if (document.hidden) onVisibility();
    document.addEventListener("visibilitychange", onVisibility);
    cleanups.push(() => document.removeEventListener("visibilitychange", onVisibility));
    window.__dashwire = {
      view: (): DebugView => ({
        dashboard: d.id,
        frames: app.scheduler.frames,
        panels: panels.map((pn) => ({
          id: pn.def.id,
          kind: pn.def.kind,
          feeds: pn.feeds.map((f) => ({
            series: f.options.series,
            state: f.state,
            received: f.received,
            t: [...f.window.t],
          })),
        })),
      }),
    };
  };

  getDashboard(id).then(
    (d) => {
      if (!gone) show(d);
    },
    (err) => {
      if (!gone) replaceChildren(root, errorState(err, "Dashboard"));
    },
  );

  return () => {
    gone = true;
    for (const c of cleanups) c();
    for (const p of panels) p.destroy();
    presence?.stop();
    app.shell.setOnline(null);
    window.__dashwire = { view: () => null };
  };
}
