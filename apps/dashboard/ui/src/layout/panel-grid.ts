import type { GridStack, GridStackNode } from "gridstack";
import { DEFAULT_PANEL_SIZE, type PanelRegistry, panelRegistry } from "../../../src/panels/panel-kinds.js";
import type { GridPos, Panel } from "../api.js";
import { h } from "../dom.js";
import { kindOf } from "../panels/create-panel.js";

/** Height of one grid row, px (the schema's rows). */
export const GRID_ROW_PX = 50;
/** Gap between panels, px (half on each side of a cell). */
const GRID_GAP_PX = 8;
/** Below this width the grid is one column, panels one under the other (and cannot be arranged). */
export const ONE_COLUMN_BELOW_PX = 700;

let library: Promise<typeof import("gridstack")> | null = null;

/**
 * Loads gridstack.js (its own chunk: the list and sign-in pages do without it). A view starts
 * loading it while it reads its dashboard.
 */
export function loadGridLibrary(): Promise<typeof import("gridstack")> {
  library ??= import("gridstack");
  return library;
}

/** A panel as the grid places it. */
export interface GridPanel {
  def: Panel;
  el: HTMLElement;
}

/** Where each panel sits, by panel id. */
export type Layout = Record<string, GridPos>;

/**
 * The dashboard's grid (gridstack.js, 12 columns of 50 px rows): each panel at its saved place
 * (`grid` of the panel), the others flowed after them in order, at their kind's size. Static
 * while viewing; `arrange(true)` lets panels be dragged by their header and resized from their
 * corner, others making room, and `layout()` reads where every panel is then.
 */
export class PanelGrid {
  readonly el: HTMLElement;
  private grid: GridStack | null = null;
  private gone = false;

  constructor(private readonly registry: PanelRegistry = panelRegistry) {
    this.el = h("div", { class: "grid-stack panel-grid", "data-testid": "panel-grid" });
  }

  /** Shows `panels` (the element must be in the document), replacing what was shown. */
  async show(panels: readonly GridPanel[]): Promise<void> {
    const grid = await this.ensure();
    if (this.gone) return;
    // Outside the batch: in batch mode gridstack leaves the removed items' elements in place.
    grid.removeAll(true, false);
    grid.batchUpdate();
    for (const p of panels) {
      const size = kindOf(p.def.kind, this.registry).size ?? DEFAULT_PANEL_SIZE;
      const at = p.def.grid;
      const item = grid.addWidget(
        at === undefined
          ? { id: p.def.id, w: size.w, h: size.h, autoPosition: true }
          : { id: p.def.id, x: at.x, y: at.y, w: at.w, h: at.h },
      );
      const content = item?.querySelector(".grid-stack-item-content");
      content?.append(p.el);
    }
    grid.batchUpdate(false);
  }

  /** Lets the panels be moved and resized (or not). */
  arrange(on: boolean): void {
    this.grid?.setStatic(!on);
    this.el.classList.toggle("is-arranging", on);
  }

  /** Whether the grid has its 12 columns now (a narrow screen shows one). */
  get full(): boolean {
    return (this.grid?.getColumn() ?? 12) === 12;
  }

  /** Where every panel is now. */
  layout(): Layout {
    const out: Layout = {};
    for (const item of this.grid?.getGridItems() ?? []) {
      const n: GridStackNode | undefined = item.gridstackNode;
      if (n?.id === undefined) continue;
      out[String(n.id)] = { x: n.x ?? 0, y: n.y ?? 0, w: n.w ?? 1, h: n.h ?? 1 };
    }
    return out;
  }

  /** Releases gridstack's listeners and the panels' elements (a `show` still loading shows nothing). */
  destroy(): void {
    this.grid?.destroy(true);
    this.grid = null;
    this.gone = true;
  }

  private async ensure(): Promise<GridStack> {
    const { GridStack } = await loadGridLibrary();
    if (this.grid !== null) return this.grid;
    const grid = GridStack.init(
      {
        column: 12,
        cellHeight: GRID_ROW_PX,
        margin: GRID_GAP_PX / 2,
        staticGrid: true,
        animate: false,
        // Dragging starts on the header only: a drag across a chart zooms it.
        handle: ".panel__head",
        // The corner handle stays visible while arranging (no hover needed to find it).
        resizable: { handles: "se", autoHide: false },
        columnOpts: { breakpoints: [{ w: ONE_COLUMN_BELOW_PX, c: 1 }], breakpointForWindow: true },
      },
      this.el,
    );
    if (grid === null) throw new Error("gridstack: no grid element");
    this.grid = grid;
    return grid;
  }
}

/** `panels` with the places of `layout` (panels it does not name keep theirs). */
export function withLayout(panels: readonly Panel[], layout: Layout): Panel[] {
  return panels.map((p) => {
    const at = layout[p.id];
    return at === undefined ? p : { ...p, grid: { ...at } };
  });
}
