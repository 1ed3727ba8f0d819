import uPlot from "uplot";
import type { PanelKindSpec } from "../../../src/panels/panel-kinds.js";
import { ChartMarkers } from "../annotations/chart-markers.js";
import type { AlertEntry, Annotation, Panel } from "../api.js";
import { h } from "../dom.js";
import { cssColor, formatValue, seriesLabel, seriesName, timeTicks } from "../format.js";
import { cssVar, seriesColor, THEME_EVENT, withAlpha } from "../theme.js";
import { meanOf } from "../live/series-window.js";
import { chartZoom, rangeZoom } from "../time/chart-zoom.js";
import { BasePanel } from "./base-panel.js";
import type { PanelContext } from "./panel-context.js";

/**
 * Width of a series' line, CSS px: 1, as Grafana's default. At one device pixel Skia draws an
 * anti-aliased stroke as a hairline; a wider one (it was 1.75) goes through its path stroker,
 * about 9 times the raster time. Canvas drawing is recorded in JS and rasterized on the main
 * thread at the frame's commit, so in software-rendered Chromium (no GPU: VMs, kiosks, the
 * `ui` bench) the 1.75 px lines of a 40-panel dashboard were most of every long frame.
 */
const SERIES_LINE_WIDTH = 1;

/** Resolves `var(--x)` to its value: canvas cannot read CSS variables. */
function canvasColor(c: string): string {
  const m = /^var\((--[\w-]+)\)$/.exec(c);
  return m ? cssVar(m[1]!) : c;
}

/** The colour of an alert rule's threshold line in its state. */
function alertColor(state: string): string {
  return cssVar(state === "firing" ? "--bad" : state === "pending" ? "--warn" : "--muted") || "#888";
}

/** Whether two ascending time columns hold the same times (compared from the newest: where they differ first). */
function sameColumn(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}

/** A uPlot line chart of the bucket means of one or more series, with a live legend. */
export class TimeseriesPanel extends BasePanel {
  private plot: uPlot | null = null;
  private readonly chartEl: HTMLElement;
  private readonly legendEl: HTMLElement;
  private readonly legendValues: HTMLElement[] = [];
  private readonly observer: ResizeObserver;
  private versions = "";
  /** Each feed's [x, y] columns and the window version they were built from. */
  private readonly columns: { feed: unknown; version: number; table: uPlot.AlignedData }[] = [];
  private hoverIdx: number | null = null;
  private data: uPlot.AlignedData = [[]];
  private unbindZoom: (() => void) | null = null;
  /** Annotation markers drawn over the chart. */
  private readonly markers = new ChartMarkers();
  /** Thresholds of the alert rules on this panel's series, coloured by their state. */
  private alertLines: { value: number; state: string }[] = [];

  constructor(def: Panel, ctx: PanelContext, kind: PanelKindSpec) {
    super(def, ctx, kind, "stream");
    this.chartEl = h("div", { class: "ts-chart", "data-testid": "chart" });
    const names = new Set(def.series.map(seriesName));
    const shared = names.size === 1 ? [...names][0] : undefined;
    this.legendEl = h(
      "ul",
      { class: "legend" },
      def.series.map((id, i) => {
        const v = h("span", { class: "legend__value" }, "–");
        this.legendValues.push(v);
        return h(
          "li",
          { class: "legend__item", title: id },
          h("i", { class: "legend__swatch", style: `--c: var(--s${(i % 8) + 1})` }),
          h("span", { class: "legend__label" }, seriesLabel(id, shared)),
          v,
        );
      }),
    );
    this.body.append(this.chartEl, this.legendEl);
    if (def.series.length === 0) this.chartEl.append(h("p", { class: "empty" }, "No series chosen"));
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(this.chartEl);
    window.addEventListener(THEME_EVENT, this.onTheme);
  }

  override destroy(): void {
    super.destroy();
    this.observer.disconnect();
    window.removeEventListener(THEME_EVENT, this.onTheme);
    this.unbindZoom?.();
    this.markers.clear();
    this.plot?.destroy();
    this.plot = null;
  }

  /** Draws each rule's threshold as a line: red while firing, orange while pending, grey otherwise. */
  protected override onAlerts(entries: readonly AlertEntry[]): void {
    this.alertLines = entries.map((e) => ({ value: e.rule.threshold, state: e.status.state }));
    this.plot?.redraw(false, false);
  }

  override showAnnotations(list: readonly Annotation[]): void {
    this.markers.set(list);
    this.plot?.redraw(false, false);
  }

  /** A new range: the next frame redraws (and so rescales) even before data of it arrives. */
  protected override onRestart(): void {
    this.versions = "";
  }

  protected render(): void {
    if (this.feeds.length === 0) return;
    // Skip the rebuild when no window changed (e.g. a redraw asked for by a status change).
    const versions = this.feeds.map((f) => f.window.version).join(",");
    if (versions !== this.versions || !this.plot) {
      this.versions = versions;
      this.data = this.buildData();
      if (!this.plot) this.create();
      else this.plot.setData(this.data);
    }
    this.updateLegend();
  }

  /**
   * The chart's columns. Each feed's [x, y] is rebuilt only when its window changed (a
   * publication changes one series of a panel), and feeds holding the same bucket times (series
   * written together: the usual case) share one x column without `uPlot.join`, which allocates
   * per point: with 40 charts of 10 series redrawn several times a second that was most of the
   * page's work.
   */
  private buildData(): uPlot.AlignedData {
    const tables = this.feeds.map((f, i) => {
      const held = this.columns[i];
      if (held !== undefined && held.version === f.window.version && held.feed === f) return held.table;
      const table: uPlot.AlignedData = [f.window.t.map((t) => t / 1000), f.window.means()];
      this.columns[i] = { feed: f, version: f.window.version, table };
      return table;
    });
    this.columns.length = tables.length;
    if (tables.length === 1) return tables[0]!;
    const x = tables[0]![0] as number[];
    const aligned = tables.every((t) => sameColumn(t[0] as number[], x));
    return aligned ? [x, ...tables.map((t) => t[1] as number[])] : uPlot.join(tables);
  }

  private create(): void {
    const width = this.chartEl.clientWidth;
    const height = this.chartEl.clientHeight;
    if (width === 0 || height === 0) return;
    const axis = cssVar("--muted") || "#888";
    const grid = cssVar("--grid") || "rgba(128,128,128,.15)";
    const font = `11px ${cssVar("--font") || "system-ui, sans-serif"}`;
    const unit = this.def.unit ?? "";
    const thresholds = this.def.thresholds ?? [];
    // Drag to zoom, shift-drag to pan, double-click to zoom out: each sets the dashboard's range.
    const zoom = chartZoom(rangeZoom(this.ctx.time, (now) => this.bounds(now)));
    const opts: uPlot.Options = {
      width,
      height,
      legend: { show: false },
      cursor: { ...zoom.cursor, points: { size: 7 } },
      scales: {
        x: {
          time: true,
          // A live range slides with the clock, so a quiet series visibly ages out; a past one stays.
          range: (_u, _min, max) => {
            const { from, to } = this.bounds(Date.now());
            if (!this.span.live) return [from / 1000, to / 1000];
            const end = Math.max(to / 1000, max ?? 0);
            return [end - (to - from) / 1000, end];
          },
        },
        y: this.def.min !== undefined || this.def.max !== undefined ? { range: this.yRange() } : {},
      },
      axes: [
        {
          stroke: axis,
          font,
          grid: { stroke: grid, width: 1 },
          ticks: { show: false },
          size: 30,
          space: 70,
          values: (_u, splits, _axis, _space, incr) => timeTicks(splits, incr),
        },
        {
          stroke: axis,
          font,
          grid: { stroke: grid, width: 1 },
          ticks: { show: false },
          size: 56,
          values: (_u, vals) => vals.map((v) => formatValue(v, unit)),
        },
      ],
      series: [
        {},
        ...this.def.series.map((id, i) => {
          const c = seriesColor(i);
          return {
            label: id,
            stroke: c,
            width: SERIES_LINE_WIDTH,
            fill: this.def.series.length === 1 ? withAlpha(c, 0.14) : undefined,
            points: { show: false },
          };
        }),
      ],
      hooks: {
        ...zoom.hooks,
        setCursor: [
          (u) => {
            this.hoverIdx = u.cursor.idx ?? null;
            this.updateLegend();
          },
        ],
        draw: [
          (u) =>
            this.drawThresholds(u, [
              ...thresholds.map((t) => ({ value: t.value, color: canvasColor(cssColor(t.color)) })),
              ...this.alertLines.map((l) => ({ value: l.value, color: alertColor(l.state) })),
            ]),
          (u) => this.markers.draw(u, cssVar("--purple") || "#8e4ec6"),
        ],
      },
    };
    this.plot = new uPlot(opts, this.data, this.chartEl);
    this.unbindZoom?.();
    this.unbindZoom = zoom.bind(this.plot);
  }

  private yRange(): uPlot.Range.Function {
    const { min, max } = this.def;
    return (_u, dmin, dmax) => [min ?? Math.min(dmin ?? 0, 0), max ?? Math.max(dmax ?? 1, min ?? 0)];
  }

  private drawThresholds(u: uPlot, lines: { value: number; color: string }[]): void {
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    ctx.save();
    ctx.setLineDash([4 * devicePixelRatio, 4 * devicePixelRatio]);
    ctx.lineWidth = devicePixelRatio;
    for (const l of lines) {
      const y = u.valToPos(l.value, "y", true);
      if (y < top || y > top + height) continue;
      ctx.strokeStyle = l.color;
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(left + width, y);
      ctx.stroke();
    }
    ctx.restore();
  }

  private updateLegend(): void {
    const unit = this.def.unit ?? "";
    const idx = this.hoverIdx;
    for (let i = 0; i < this.legendValues.length; i++) {
      let v: number | null | undefined;
      if (idx !== null) v = this.data[i + 1]?.[idx];
      else {
        const b = this.feeds[i]!.window.latest();
        v = b ? meanOf(b) : null;
      }
      const text = formatValue(v, unit);
      const el = this.legendValues[i]!;
      if (el.textContent !== text) el.textContent = text;
    }
  }

  private resize(): void {
    const width = this.chartEl.clientWidth;
    const height = this.chartEl.clientHeight;
    if (width === 0 || height === 0) return;
    if (!this.plot) this.ctx.scheduler.request(this);
    else this.plot.setSize({ width, height });
  }

  private readonly onTheme = (): void => {
    this.unbindZoom?.();
    this.markers.clear();
    this.unbindZoom = null;
    this.plot?.destroy();
    this.plot = null;
    this.ctx.scheduler.request(this);
  };
}
