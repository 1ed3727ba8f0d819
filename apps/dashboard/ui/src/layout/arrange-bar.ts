import { ApiError, getDashboardVersioned, saveDashboard, STALE_WRITE } from "../api.js";
import { h, replaceChildren } from "../dom.js";
import { type Layout, type PanelGrid, withLayout } from "./panel-grid.js";

/** Options of the arrange control. */
export interface ArrangeOptions {
  /** The dashboard's id. */
  id: string;
  grid: PanelGrid;
  /** Called with the layout once it is saved (the page keeps it). */
  saved: (layout: Layout) => void;
  /** Puts the panels back where they were (Cancel). */
  reset: () => void;
}

/**
 * "Arrange": the grid becomes editable (drag a panel by its header, resize it from its corner),
 * then "Save layout" writes every panel's place into the stored dashboard (read again with its
 * version and written with `If-Match`, so an edit made meanwhile elsewhere is never lost: the
 * save is refused and says so) and "Cancel" puts the panels back.
 */
export function arrangeBar(opts: ArrangeOptions): HTMLElement {
  const bar = h("div", { class: "arrange-bar" });
  const error = h("span", { class: "form-error small", role: "alert", hidden: true, "data-testid": "layout-error" });
  const say = (text: string) => {
    error.textContent = text;
    error.hidden = text === "";
  };
  const idle = () => {
    opts.grid.arrange(false);
    replaceChildren(
      bar,
      h(
        "button",
        {
          type: "button",
          class: "btn",
          "data-testid": "arrange-toggle",
          title: "Move and resize panels",
          onclick: () => {
            if (!opts.grid.full) {
              say("Widen the window to arrange panels.");
              replaceChildren(bar, error, bar.firstElementChild);
              return;
            }
            arranging();
          },
        },
        "Arrange",
      ),
    );
  };
  const save = async (btn: HTMLButtonElement) => {
    btn.disabled = true;
    say("");
    const layout = opts.grid.layout();
    try {
      const { dashboard, etag } = await getDashboardVersioned(opts.id);
      await saveDashboard({ ...dashboard, panels: withLayout(dashboard.panels, layout) }, false, etag);
      opts.saved(layout);
      idle();
    } catch (err) {
      btn.disabled = false;
      say(
        err instanceof ApiError && err.status === STALE_WRITE
          ? "The dashboard changed elsewhere meanwhile: reload it, then arrange again."
          : `Not saved: ${(err as Error).message}`,
      );
    }
  };
  const arranging = () => {
    opts.grid.arrange(true);
    const saveBtn: HTMLButtonElement = h(
      "button",
      { type: "button", class: "btn btn--primary", "data-testid": "layout-save", onclick: () => void save(saveBtn) },
      "Save layout",
    );
    replaceChildren(
      bar,
      error,
      h(
        "button",
        {
          type: "button",
          class: "btn btn--ghost",
          "data-testid": "layout-cancel",
          onclick: () => {
            say("");
            opts.reset();
            idle();
          },
        },
        "Cancel",
      ),
      saveBtn,
    );
  };
  idle();
  return bar;
}
