import type uPlot from "uplot";
import type { TimeControl } from "../panels/panel-context.js";
import { shiftRange, zoomOutOf, zoomTo } from "./time-range.js";

/** A drag narrower than this (px) is a click, not a zoom. */
const MIN_DRAG_PX = 4;

/** What a chart's zoom and pan report: the new range `[from, to]` in ms, or a zoom out. */
export interface ZoomHandlers {
  /** Drag across the chart: show `[from, to]`. */
  zoom(from: number, to: number): void;
  /** Shift-drag (or a touch pan): move the range by `ms` (negative: back in time). */
  pan(ms: number): void;
  /** Double-click: twice as long a range. */
  zoomOut(): void;
}

/**
 * Drag-to-zoom and pan for a uPlot time chart (x in seconds), as options to merge into the
 * chart's and a function binding the pan gesture once the chart exists. A drag selects a span
 * (uPlot's own selection, which does not rescale: the page sets the new range for every panel);
 * a shift-drag moves the plot with the pointer and then moves the range by what it was dragged;
 * a double-click zooms out.
 */
export function chartZoom(handlers: ZoomHandlers): {
  cursor: uPlot.Cursor;
  hooks: uPlot.Hooks.Arrays;
  bind(u: uPlot): () => void;
} {
  const setSelect = (u: uPlot) => {
    const { left, width } = u.select;
    if (width < MIN_DRAG_PX) return;
    const from = u.posToVal(left, "x") * 1000;
    const to = u.posToVal(left + width, "x") * 1000;
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    handlers.zoom(from, to);
  };
  return {
    cursor: {
      drag: { x: true, y: false, setScale: false },
      // Double-click zooms out through `bind` (uPlot's own would reset to the data's extent).
      bind: { dblclick: () => null },
    },
    hooks: { setSelect: [setSelect] },
    bind(u: uPlot): () => void {
      const over = u.over;
      let startX: number | null = null;
      let canvas: HTMLCanvasElement | null = null;
      const down = (e: PointerEvent) => {
        if (!e.shiftKey || e.button !== 0) return;
        // Before uPlot sees it: a shift-drag pans, it does not select.
        e.stopImmediatePropagation();
        e.preventDefault();
        startX = e.clientX;
        canvas = u.root.querySelector("canvas");
        over.setPointerCapture?.(e.pointerId);
      };
      const move = (e: PointerEvent) => {
        if (startX === null || canvas === null) return;
        canvas.style.transform = `translateX(${e.clientX - startX}px)`;
      };
      const up = (e: PointerEvent) => {
        if (startX === null) return;
        const dx = e.clientX - startX;
        startX = null;
        if (canvas) canvas.style.transform = "";
        const width = u.bbox.width / devicePixelRatio;
        const { min, max } = u.scales.x ?? {};
        if (Math.abs(dx) < MIN_DRAG_PX || width <= 0 || min === undefined || max === undefined) return;
        handlers.pan((-dx / width) * (max - min) * 1000);
      };
      const dbl = (e: MouseEvent) => {
        e.preventDefault();
        handlers.zoomOut();
      };
      // Capture on the chart's root runs before uPlot's own listeners on `over`.
      u.root.addEventListener("pointerdown", down, true);
      u.root.addEventListener("mousedown", stopIfPanning, true);
      window.addEventListener("pointermove", move);
      window.addEventListener("pointerup", up);
      over.addEventListener("dblclick", dbl);
      return () => {
        u.root.removeEventListener("pointerdown", down, true);
        u.root.removeEventListener("mousedown", stopIfPanning, true);
        window.removeEventListener("pointermove", move);
        window.removeEventListener("pointerup", up);
        over.removeEventListener("dblclick", dbl);
      };
    },
  };
}

/** uPlot starts its selection on `mousedown`: a shift-press belongs to the pan. */
function stopIfPanning(e: MouseEvent): void {
  if (e.shiftKey) e.stopImmediatePropagation();
}

/** Zoom handlers that set the dashboard's range from a panel's bounds at the time of the gesture. */
export function rangeZoom(time: TimeControl, bounds: (now: number) => { from: number; to: number }): ZoomHandlers {
  return {
    zoom: (from, to) => time.set(zoomTo(from, to, Date.now())),
    pan: (ms) => {
      const now = Date.now();
      const b = bounds(now);
      time.set(shiftRange(b.from, b.to, ms / (b.to - b.from), now));
    },
    zoomOut: () => {
      const now = Date.now();
      const b = bounds(now);
      time.set(zoomOutOf(time.range, b.from, b.to, now));
    },
  };
}
