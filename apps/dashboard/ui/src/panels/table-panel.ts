import type { PanelKindSpec } from "../../../src/panels/panel-kinds.js";
import type { Panel } from "../api.js";
import { h } from "../dom.js";
import { formatAge, formatValue, seriesLabel, seriesName, thresholdColor } from "../format.js";
import type { SeriesWindow } from "../live/series-window.js";
import { BasePanel } from "./base-panel.js";
import type { PanelContext } from "./panel-context.js";
import { Sparkline } from "./sparkline.js";

/** A row whose newest bucket is older than this is shown as stale. */
const STALE_MS = 5000;

interface Row {
  tr: HTMLElement;
  last: HTMLElement;
  min: HTMLElement;
  max: HTMLElement;
  mean: HTMLElement;
  spark: Sparkline;
}

/** Min, max and mean of a window's samples (weighted by each bucket's count). */
export function windowStats(w: SeriesWindow): { min: number; max: number; mean: number } | null {
  if (w.length === 0) return null;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < w.length; i++) {
    if (w.min[i]! < min) min = w.min[i]!;
    if (w.max[i]! > max) max = w.max[i]!;
    sum += w.sum[i]!;
    count += w.count[i]!;
  }
  return { min, max, mean: count > 0 ? sum / count : w.last[w.length - 1]! };
}

/** A table of each series' latest value, with min, max and mean over the panel's window and a trend line. */
export class TablePanel extends BasePanel {
  private readonly rows: Row[] = [];

  constructor(def: Panel, ctx: PanelContext, kind: PanelKindSpec) {
    super(def, ctx, kind, "latest");
    const names = new Set(def.series.map(seriesName));
    const shared = names.size === 1 ? [...names][0] : undefined;
    const tbody = h("tbody");
    for (const id of def.series) {
      const num = () => h("td", { class: "num" }, "–");
      const spark = new Sparkline();
      const cells = { last: num(), min: num(), max: num(), mean: num() };
      const tr = h(
        "tr",
        { "data-series": id },
        h("th", { scope: "row", title: id }, seriesLabel(id, shared)),
        h("td", { class: "trend" }, spark.el),
        cells.last,
        cells.min,
        cells.max,
        cells.mean,
      );
      this.rows.push({ tr, spark, ...cells });
      tbody.append(tr);
    }
    const head = ["Last", "Min", "Max", "Mean"].map((c) => h("th", { class: "num" }, c));
    const table = h(
      "table",
      { class: "table" },
      h(
        "thead",
        null,
        h("tr", null, h("th", null, "Series"), h("th", { class: "trend" }, "Trend"), head, h("th", null, "")),
      ),
      tbody,
    );
    this.body.append(
      def.series.length === 0
        ? h("p", { class: "empty" }, "No series chosen")
        : h("div", { class: "table-wrap" }, table),
    );
  }

  protected render(): void {
    const unit = this.def.unit;
    const now = Date.now();
    for (let i = 0; i < this.rows.length; i++) {
      const row = this.rows[i]!;
      const w = this.feeds[i]!.window;
      const b = w.latest();
      const st = windowStats(w);
      if (!b || !st) continue;
      row.last.textContent = formatValue(b.last, unit);
      row.last.dataset.value = String(b.last);
      row.last.style.color = thresholdColor(b.last, this.def.thresholds, "");
      row.min.textContent = formatValue(st.min, unit);
      row.max.textContent = formatValue(st.max, unit);
      row.mean.textContent = formatValue(st.mean, unit);
      // A past range is never stale; a live bucket is current until its end (a wide one is open longer).
      const age = now - b.t - (this.feeds[i]?.step ?? 1000);
      row.tr.classList.toggle("stale", this.span.live && age > STALE_MS);
      row.tr.title = this.span.live ? `updated ${formatAge(age)}` : "";
      const { from, to } = this.bounds(now);
      row.spark.update(w.t, w.last, from, Math.max(to, w.lastT));
    }
  }
}
