import type uPlot from "uplot";
import type { Annotation } from "../api.js";
import { h } from "../dom.js";
import { formatTime } from "../format.js";

/** The hover text of an annotation: its time, text and tags. */
export function markerText(a: Annotation): string {
  const when = a.timeEnd > a.time ? `${formatTime(a.time)} – ${formatTime(a.timeEnd)}` : formatTime(a.time);
  return `${when}\n${a.text}${a.tags.length ? `\n${a.tags.map((t) => `#${t}`).join(" ")}` : ""}`;
}

/**
 * Annotations on a uPlot chart: a dashed vertical line at each one's time (a shaded band for a
 * span), drawn on the canvas in the chart's draw hook, and a small flag at the foot of the plot
 * (a DOM element in uPlot's overlay) that shows the text on hover. Only the flags take the
 * pointer, so a drag across the chart still zooms.
 */
export class ChartMarkers {
  private list: readonly Annotation[] = [];
  private readonly flags = new Map<string, HTMLElement>();

  /** The annotations to draw from the next draw on. */
  set(list: readonly Annotation[]): void {
    this.list = list;
  }

  /** The draw hook: lines on the canvas, flags placed (those outside the x scale hidden). */
  readonly draw = (u: uPlot, color: string): void => {
    const ctx = u.ctx;
    const { top, height } = u.bbox;
    const min = u.scales.x?.min ?? 0;
    const max = u.scales.x?.max ?? 0;
    const seen = new Set<string>();
    ctx.save();
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = devicePixelRatio;
    ctx.setLineDash([3 * devicePixelRatio, 3 * devicePixelRatio]);
    for (const a of this.list) {
      const t = a.time / 1000;
      const end = a.timeEnd / 1000;
      if (end < min || t > max) continue;
      seen.add(a.id);
      const x = u.valToPos(Math.max(t, min), "x", true);
      if (end > t) {
        const x2 = u.valToPos(Math.min(end, max), "x", true);
        ctx.globalAlpha = 0.1;
        ctx.fillRect(x, top, Math.max(x2 - x, devicePixelRatio), height);
        ctx.globalAlpha = 1;
      }
      if (t >= min) {
        ctx.beginPath();
        ctx.moveTo(x, top);
        ctx.lineTo(x, top + height);
        ctx.stroke();
      }
      this.place(u, a, u.valToPos(Math.max(t, min), "x"));
    }
    ctx.restore();
    for (const [id, el] of this.flags)
      if (!seen.has(id)) {
        el.remove();
        this.flags.delete(id);
      }
  };

  /** Removes every flag (the chart is destroyed). */
  clear(): void {
    for (const el of this.flags.values()) el.remove();
    this.flags.clear();
  }

  private place(u: uPlot, a: Annotation, x: number): void {
    let el = this.flags.get(a.id);
    const text = markerText(a);
    if (el === undefined) {
      el = h(
        "div",
        { class: "annot", "data-testid": "annotation-marker", "data-id": a.id },
        h("span", { class: "annot__tip", role: "tooltip" }),
      );
      this.flags.set(a.id, el);
    }
    if (el.parentElement !== u.over) u.over.append(el);
    if (el.title !== text) {
      el.title = text;
      el.setAttribute("aria-label", text);
      (el.firstElementChild as HTMLElement).textContent = text;
    }
    el.style.left = `${Math.round(x)}px`;
  }
}
