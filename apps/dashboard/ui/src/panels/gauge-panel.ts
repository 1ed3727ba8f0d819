import type { PanelKindSpec } from "../../../src/panels/panel-kinds.js";
import type { Panel } from "../api.js";
import { h, s } from "../dom.js";
import { cssColor, formatValue, thresholdColor } from "../format.js";
import { BasePanel } from "./base-panel.js";
import type { PanelContext } from "./panel-context.js";

const CX = 100;
const CY = 100;
const R = 78;
/** The arc runs clockwise from lower left to lower right through the top: 240 degrees. */
const START = 150;
const SWEEP = 240;

function point(deg: number, r = R): string {
  const a = (deg * Math.PI) / 180;
  return `${(CX + r * Math.cos(a)).toFixed(2)} ${(CY + r * Math.sin(a)).toFixed(2)}`;
}

/** SVG path of the arc between two fractions (0..1) of the sweep. */
export function arcPath(f0: number, f1: number, r = R): string {
  const a0 = START + SWEEP * Math.max(0, Math.min(1, f0));
  const a1 = START + SWEEP * Math.max(0, Math.min(1, f1));
  if (a1 - a0 < 0.01) return "";
  const large = a1 - a0 > 180 ? 1 : 0;
  return `M ${point(a0, r)} A ${r} ${r} 0 ${large} 1 ${point(a1, r)}`;
}

/** A gauge of the first series' last value between `min` and `max` (0..100 by default). */
export class GaugePanel extends BasePanel {
  private readonly valueArc: SVGPathElement;
  private readonly valueText: SVGTextElement;
  private readonly min: number;
  private readonly max: number;

  constructor(def: Panel, ctx: PanelContext, kind: PanelKindSpec) {
    super(def, ctx, kind, "latest");
    this.min = def.min ?? 0;
    this.max = def.max !== undefined && def.max > this.min ? def.max : this.min + 100;
    const bands = this.bands();
    this.valueArc = s("path", { class: "gauge__value", d: "" });
    this.valueText = s(
      "text",
      { class: "gauge__text", x: CX, y: CY + 4, "text-anchor": "middle", "data-testid": "gauge-value" },
      "–",
    );
    const svg = s(
      "svg",
      { class: "gauge", viewBox: "0 0 200 166", role: "img", "aria-label": def.title },
      s("path", { class: "gauge__track", d: arcPath(0, 1) }),
      bands,
      this.valueArc,
      this.valueText,
      s("text", { class: "gauge__unit", x: CX, y: CY + 24, "text-anchor": "middle" }, def.unit ?? ""),
      s(
        "text",
        { class: "gauge__limit", x: point(START, R).split(" ")[0], y: 162, "text-anchor": "middle" },
        formatValue(this.min),
      ),
      s(
        "text",
        { class: "gauge__limit", x: point(START + SWEEP, R).split(" ")[0], y: 162, "text-anchor": "middle" },
        formatValue(this.max),
      ),
    );
    this.body.append(def.series.length === 0 ? h("p", { class: "empty" }, "No series chosen") : svg);
  }

  /** Thin outer arcs showing where each threshold's colour starts. */
  private bands(): SVGPathElement[] {
    const ts = [...(this.def.thresholds ?? [])].sort((a, b) => a.value - b.value);
    return ts.map((t, i) => {
      const f0 = this.fraction(t.value);
      const f1 = i + 1 < ts.length ? this.fraction(ts[i + 1]!.value) : 1;
      return s("path", { class: "gauge__band", d: arcPath(f0, f1, R + 13), style: `stroke: ${cssColor(t.color)}` });
    });
  }

  private fraction(v: number): number {
    return (v - this.min) / (this.max - this.min);
  }

  protected render(): void {
    const b = this.feeds[0]?.window.latest();
    const v = b?.last ?? null;
    const text = formatValue(v);
    if (this.valueText.textContent !== text) this.valueText.textContent = text;
    if (v !== null) this.valueText.dataset.value = String(v);
    this.valueArc.setAttribute("d", v === null ? "" : arcPath(0, this.fraction(v)));
    this.valueArc.style.stroke = thresholdColor(v, this.def.thresholds, "var(--accent)");
  }
}
