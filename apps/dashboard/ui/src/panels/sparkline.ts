import { s } from "../dom.js";

/** Width and height of the sparkline's view box; it stretches to its container. */
const W = 100;
const H = 30;

/** A tiny area chart of a series' recent values, drawn as one SVG path. */
export class Sparkline {
  readonly el: SVGSVGElement;
  private readonly line: SVGPathElement;
  private readonly area: SVGPathElement;

  constructor() {
    this.line = s("path", { class: "spark__line", "vector-effect": "non-scaling-stroke" });
    this.area = s("path", { class: "spark__area" });
    this.el = s("svg", { class: "spark", viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none" }, this.area, this.line);
  }

  /** Redraws from times and values (same length, ascending times). */
  update(ts: readonly number[], vs: readonly number[], from: number, to: number): void {
    if (ts.length < 2 || to <= from) {
      this.line.setAttribute("d", "");
      this.area.setAttribute("d", "");
      return;
    }
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const v of vs) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const span = hi - lo || 1;
    let d = "";
    for (let i = 0; i < ts.length; i++) {
      const x = ((ts[i]! - from) / (to - from)) * W;
      const y = H - 2 - ((vs[i]! - lo) / span) * (H - 4);
      d += `${i === 0 ? "M" : "L"}${x.toFixed(2)},${y.toFixed(2)}`;
    }
    const x0 = (((ts[0] ?? from) - from) / (to - from)) * W;
    const x1 = (((ts[ts.length - 1] ?? to) - from) / (to - from)) * W;
    this.line.setAttribute("d", d);
    this.area.setAttribute("d", `${d}L${x1.toFixed(2)},${H}L${x0.toFixed(2)},${H}Z`);
  }
}
