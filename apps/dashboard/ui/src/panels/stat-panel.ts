import type { PanelKindSpec } from "../../../src/panels/panel-kinds.js";
import type { Panel } from "../api.js";
import { h } from "../dom.js";
import { formatValue, seriesLabel, seriesName, thresholdColor } from "../format.js";
import { Sparkline } from "./sparkline.js";
import { BasePanel } from "./base-panel.js";
import type { PanelContext } from "./panel-context.js";

interface StatCell {
  value: HTMLElement;
  foot: HTMLElement;
  spark: Sparkline;
  cell: HTMLElement;
}

/** A KPI: the last value of each series, coloured by thresholds, over a sparkline of its window. */
export class StatPanel extends BasePanel {
  private readonly cells: StatCell[] = [];

  constructor(def: Panel, ctx: PanelContext, kind: PanelKindSpec) {
    super(def, ctx, kind, "latest");
    const names = new Set(def.series.map(seriesName));
    const shared = names.size === 1 ? [...names][0] : undefined;
    const grid = h("div", { class: "stat-grid" });
    for (const id of def.series) {
      const value = h("div", { class: "stat__value", "data-testid": "stat-value", "data-series": id }, "–");
      const foot = h("div", { class: "stat__foot" });
      const spark = new Sparkline();
      const cell = h(
        "div",
        { class: "stat" },
        h(
          "div",
          { class: "stat__main" },
          def.series.length > 1 ? h("div", { class: "stat__label", title: id }, seriesLabel(id, shared)) : null,
          value,
          foot,
        ),
        spark.el,
      );
      this.cells.push({ value, foot, spark, cell });
      grid.append(cell);
    }
    if (def.series.length === 0) grid.append(h("p", { class: "empty" }, "No series chosen"));
    this.body.append(grid);
  }

  protected render(): void {
    const now = Date.now();
    for (let i = 0; i < this.cells.length; i++) {
      const c = this.cells[i]!;
      const w = this.feeds[i]!.window;
      const b = w.latest();
      const v = b?.last ?? null;
      const text = formatValue(v, this.def.unit);
      if (c.value.textContent !== text) c.value.textContent = text;
      if (v !== null) c.value.dataset.value = String(v);
      const color = thresholdColor(v, this.def.thresholds, "");
      c.cell.style.setProperty("--stat-color", color || "var(--text)");
      c.cell.style.setProperty("--spark-color", color || "var(--accent)");
      if (w.length > 0) {
        let lo = Number.POSITIVE_INFINITY;
        let hi = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < w.length; j++) {
          if (w.min[j]! < lo) lo = w.min[j]!;
          if (w.max[j]! > hi) hi = w.max[j]!;
        }
        c.foot.textContent = `min ${formatValue(lo, this.def.unit)} · max ${formatValue(hi, this.def.unit)}`;
      }
      const { from, to } = this.bounds(now);
      c.spark.update(w.t, w.last, from, Math.max(to, w.lastT));
    }
  }
}
