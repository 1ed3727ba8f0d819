import { escapeHtml } from "./format.js";

/** One line of a chart. */
export interface ChartSeries {
  name: string;
  color: string;
  points: Array<[number, number]>;
}

/** Options of `lineChart`. */
export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Logarithmic y axis (latency spans 1 ms to seconds across targets). */
  logY: boolean;
  width: number;
  height: number;
}

/** Defaults of `LineChartOptions`. */
export const lineChartDefaults: LineChartOptions = {
  title: "",
  xLabel: "s",
  yLabel: "",
  logY: false,
  width: 900,
  height: 320,
};

/** Colours given to targets in chart order. */
export const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563", "#ca8a04"];

const M = { left: 64, right: 16, top: 34, bottom: 64 };

/** Renders a line chart as a standalone inline SVG (no script, no external assets). */
export function lineChart(series: ChartSeries[], options: Partial<LineChartOptions> = {}): string {
  const o = { ...lineChartDefaults, ...options };
  const all = series.flatMap((s) => s.points);
  const w = o.width - M.left - M.right;
  const h = o.height - M.top - M.bottom;
  const xMax = Math.max(1, ...all.map((p) => p[0]));
  const ys = all.map((p) => p[1]).filter((y) => Number.isFinite(y) && (!o.logY || y > 0));
  let yMin = o.logY ? 10 ** Math.floor(Math.log10(Math.max(1e-3, Math.min(...ys, 1)))) : 0;
  let yMax = Math.max(...ys, o.logY ? 10 : 1);
  if (o.logY) yMax = 10 ** Math.ceil(Math.log10(yMax));
  else yMax = niceCeil(yMax);
  if (yMin >= yMax) yMin = yMax / 10;
  const sx = (x: number) => M.left + (x / xMax) * w;
  const sy = (y: number) => {
    const f = o.logY
      ? (Math.log10(Math.max(y, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))
      : y / yMax;
    return M.top + h - Math.max(0, Math.min(1, f)) * h;
  };
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${o.width}" height="${o.height}" viewBox="0 0 ${o.width} ${o.height}" font-family="system-ui, sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  parts.push(`<text x="${M.left}" y="20" font-size="14" font-weight="600">${escapeHtml(o.title)}</text>`);
  for (const y of yTicks(yMin, yMax, o.logY)) {
    const py = sy(y).toFixed(1);
    parts.push(`<line x1="${M.left}" x2="${M.left + w}" y1="${py}" y2="${py}" stroke="#e5e7eb"/>`);
    parts.push(
      `<text x="${M.left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle" fill="#4b5563">${formatTick(y)}</text>`,
    );
  }
  const xStep = niceCeil(xMax / 8);
  for (let x = 0; x <= xMax + 1e-9; x += xStep) {
    parts.push(
      `<text x="${sx(x).toFixed(1)}" y="${M.top + h + 16}" text-anchor="middle" fill="#4b5563">${formatTick(x)}</text>`,
    );
  }
  parts.push(`<line x1="${M.left}" x2="${M.left + w}" y1="${M.top + h}" y2="${M.top + h}" stroke="#9ca3af"/>`);
  parts.push(
    `<text x="${M.left + w}" y="${M.top + h + 32}" text-anchor="end" fill="#4b5563">${escapeHtml(o.xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(14 ${M.top + h / 2}) rotate(-90)" text-anchor="middle" fill="#4b5563">${escapeHtml(o.yLabel)}</text>`,
  );
  for (const s of series) {
    if (s.points.length === 0) continue;
    // A second with no value (nothing arrived; on a log scale: not above 0) is a gap in the
    // line, not a point at the bottom of the chart.
    let d = "";
    let pen = "M";
    for (const p of s.points) {
      if (!Number.isFinite(p[1]) || (o.logY && p[1] <= 0)) {
        pen = "M";
        continue;
      }
      d += `${pen}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`;
      pen = "L";
    }
    if (d === "") continue;
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round"/>`);
  }
  let lx = M.left;
  const ly = o.height - 12;
  for (const s of series) {
    parts.push(`<rect x="${lx}" y="${ly - 9}" width="12" height="4" fill="${s.color}"/>`);
    parts.push(`<text x="${lx + 16}" y="${ly - 4}" dominant-baseline="middle">${escapeHtml(s.name)}</text>`);
    lx += 24 + s.name.length * 6.5;
  }
  parts.push("</svg>");
  return parts.join("\n");
}

/** Rounds up to 1, 2 or 5 times a power of ten. */
export function niceCeil(x: number): number {
  if (x <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

function yTicks(min: number, max: number, log: boolean): number[] {
  const ticks: number[] = [];
  if (log) {
    for (let y = min; y <= max * 1.0001; y *= 10) ticks.push(y);
    return ticks;
  }
  const step = niceCeil(max / 5);
  for (let y = 0; y <= max + 1e-9; y += step) ticks.push(y);
  return ticks;
}

function formatTick(v: number): string {
  if (v >= 1000) return `${Number((v / 1000).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}
