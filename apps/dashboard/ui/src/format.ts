import type { Threshold } from "./api.js";

const fmt = new Map<number, Intl.NumberFormat>();

function nf(decimals: number): Intl.NumberFormat {
  let f = fmt.get(decimals);
  if (!f) {
    f = new Intl.NumberFormat("en-US", { maximumFractionDigits: decimals, minimumFractionDigits: 0 });
    fmt.set(decimals, f);
  }
  return f;
}

const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 2 });

/** Formats a value for display: precision follows magnitude, compact past a million. */
export function formatValue(v: number | null | undefined, unit = ""): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  let text: string;
  if (a >= 1e6) text = compact.format(v);
  else if (a >= 1000) text = nf(1).format(v);
  else if (a >= 1) text = nf(2).format(v);
  else if (a === 0) text = "0";
  else text = nf(4).format(v);
  if (!unit) return text;
  return unit === "%" ? `${text}%` : `${text} ${unit}`;
}

/** Formats an age in ms as "now", "12s", "3m", "2h". */
export function formatAge(ms: number): string {
  if (ms < 1500) return "now";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m}m ago`;
  return `${Math.round(m / 60)}h ago`;
}

/** Named colours a threshold may use, mapped to the theme's CSS variables. */
const NAMED: Record<string, string> = {
  green: "var(--ok)",
  red: "var(--bad)",
  orange: "var(--warn)",
  yellow: "var(--caution)",
  blue: "var(--accent)",
  purple: "var(--purple)",
};

/** The colour names the editor offers. */
export const THRESHOLD_COLORS = Object.keys(NAMED);

/** CSS colour of a threshold colour (a named theme colour, or any CSS colour as given). */
export function cssColor(color: string): string {
  return NAMED[color] ?? color;
}

/** The colour for `v`: the highest threshold it reaches, or `fallback` below all of them. */
export function thresholdColor(
  v: number | null | undefined,
  thresholds: Threshold[] | undefined,
  fallback: string,
): string {
  if (v === null || v === undefined || !thresholds || thresholds.length === 0) return fallback;
  let best: Threshold | undefined;
  for (const t of thresholds) if (v >= t.value && (!best || t.value >= best.value)) best = t;
  return best ? cssColor(best.color) : fallback;
}

/** A short label for a series id: its tags when the name is shared, else the full id. */
export function seriesLabel(id: string, sharedName?: string): string {
  const comma = id.indexOf(",");
  const name = comma < 0 ? id : id.slice(0, comma);
  const tags = comma < 0 ? "" : id.slice(comma + 1);
  if (sharedName && name === sharedName && tags) return tags;
  return tags ? `${name} {${tags}}` : name;
}

/** The metric name of a series id (before the first comma). */
export function seriesName(id: string): string {
  const comma = id.indexOf(",");
  return comma < 0 ? id : id.slice(0, comma);
}

const hms = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
const hm = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hour12: false });
const dayHm = new Intl.DateTimeFormat("en-GB", {
  day: "2-digit",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});

/** Labels for time-axis ticks (seconds since epoch): seconds only when ticks are under a minute apart. */
export function timeTicks(ticks: number[], incrSec: number): string[] {
  const f = incrSec < 60 ? hms : incrSec < 86_400 ? hm : dayHm;
  return ticks.map((t) => f.format(t * 1000));
}

/** A time as the user reads it: local date and time to the second (`2026-12-03 08:15:04`). */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
