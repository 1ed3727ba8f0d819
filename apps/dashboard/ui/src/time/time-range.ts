/**
 * The time range a dashboard shows, and how it is written in the page's URL (so a link shows the
 * same view). Three kinds:
 * - `panels` (no `from`/`to` in the URL): each panel shows its own window (`windowSec`), live;
 * - `last` (`from=now-1h&to=now`): every panel shows the last `spanMs`, live;
 * - `absolute` (`from=<ms>&to=<ms>`, ms since the epoch): a fixed past span, drawn once (static).
 * The URL form is Grafana's, so its links read the same. Pure: no DOM.
 */

/** A dashboard's time range. */
export type TimeRange =
  | { kind: "panels" }
  | { kind: "last"; spanMs: number }
  | { kind: "absolute"; from: number; to: number };

/** What one panel shows: a live window ending now, or a fixed span. */
export type PanelSpan = { live: true; spanMs: number } | { live: false; from: number; to: number };

/** The range of every panel's own window. */
export const PANEL_WINDOWS: TimeRange = { kind: "panels" };

/** Shortest span shown (a zoom stops here), ms. */
export const MIN_SPAN_MS = 10_000;
/** Longest span shown, ms (a year; the store's retention decides what holds data). */
export const MAX_SPAN_MS = 366 * 86_400_000;
/** Latest time accepted in a URL (year 2286 in ms): keeps dates and arithmetic exact. */
const MAX_TIME_MS = 10_000_000_000_000;

/** The picker's relative ranges: last 5 minutes … 7 days. */
export const RANGE_PRESETS: readonly { label: string; spanMs: number }[] = [
  { label: "Last 5 minutes", spanMs: 5 * 60_000 },
  { label: "Last 15 minutes", spanMs: 15 * 60_000 },
  { label: "Last 30 minutes", spanMs: 30 * 60_000 },
  { label: "Last 1 hour", spanMs: 3_600_000 },
  { label: "Last 3 hours", spanMs: 3 * 3_600_000 },
  { label: "Last 6 hours", spanMs: 6 * 3_600_000 },
  { label: "Last 12 hours", spanMs: 12 * 3_600_000 },
  { label: "Last 24 hours", spanMs: 24 * 3_600_000 },
  { label: "Last 2 days", spanMs: 2 * 86_400_000 },
  { label: "Last 7 days", spanMs: 7 * 86_400_000 },
];

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `now-15m` → 900000; null when not of that form or out of bounds. */
function parseNowMinus(text: string): number | null {
  const m = /^now-(\d{1,6})([smhdw])$/.exec(text);
  if (!m) return null;
  const ms = Number(m[1]) * (UNITS[m[2]!] as number);
  return ms >= MIN_SPAN_MS && ms <= MAX_SPAN_MS ? ms : null;
}

/** A span as the URL writes it: the largest unit that divides it (`now-90m`, `now-2h`). */
export function formatSpan(ms: number): string {
  for (const u of ["w", "d", "h", "m"] as const) {
    const size = UNITS[u] as number;
    if (ms % size === 0) return `${ms / size}${u}`;
  }
  return `${Math.max(1, Math.round(ms / 1000))}s`;
}

/** A time in ms from the URL: digits only, within bounds; null otherwise. */
function parseMs(text: string): number | null {
  if (!/^\d{1,16}$/.test(text)) return null;
  const v = Number(text);
  return v <= MAX_TIME_MS ? v : null;
}

/** Reads the range of a URL's parameters; anything malformed means the panels' own windows. */
export function parseRange(params: URLSearchParams): TimeRange {
  const from = params.get("from");
  const to = params.get("to");
  if (from === null) return PANEL_WINDOWS;
  const span = parseNowMinus(from);
  if (span !== null) return to === null || to === "now" ? { kind: "last", spanMs: span } : PANEL_WINDOWS;
  const f = parseMs(from);
  const t = to === null ? null : parseMs(to);
  if (f === null || t === null || t - f < 1000 || t - f > MAX_SPAN_MS) return PANEL_WINDOWS;
  return { kind: "absolute", from: f, to: t };
}

/** Writes `range` into `params` (removing `from`/`to` for the panels' windows). */
export function writeRange(params: URLSearchParams, range: TimeRange): void {
  params.delete("from");
  params.delete("to");
  if (range.kind === "last") {
    params.set("from", `now-${formatSpan(range.spanMs)}`);
    params.set("to", "now");
  } else if (range.kind === "absolute") {
    params.set("from", String(Math.round(range.from)));
    params.set("to", String(Math.round(range.to)));
  }
}

/** Whether two ranges are the same. */
export function sameRange(a: TimeRange, b: TimeRange): boolean {
  if (a.kind === "last" && b.kind === "last") return a.spanMs === b.spanMs;
  if (a.kind === "absolute" && b.kind === "absolute") return a.from === b.from && a.to === b.to;
  return a.kind === b.kind;
}

/** What a panel whose own window is `windowMs` shows under `range`. */
export function panelSpan(range: TimeRange, windowMs: number): PanelSpan {
  switch (range.kind) {
    case "panels":
      return { live: true, spanMs: windowMs };
    case "last":
      return { live: true, spanMs: range.spanMs };
    case "absolute":
      return { live: false, from: range.from, to: range.to };
  }
}

/** The span `[from, to]` of a panel span at `now`. */
export function spanBounds(span: PanelSpan, now: number): { from: number; to: number } {
  return span.live ? { from: now - span.spanMs, to: now } : { from: span.from, to: span.to };
}

/**
 * The absolute range of a zoom to `[from, to]`: never shorter than `MIN_SPAN_MS` (widened around
 * its middle) and never past `now`.
 */
export function zoomTo(from: number, to: number, now: number): TimeRange {
  let f = Math.min(from, to);
  let t = Math.max(from, to);
  if (t - f < MIN_SPAN_MS) {
    const mid = (f + t) / 2;
    f = mid - MIN_SPAN_MS / 2;
    t = mid + MIN_SPAN_MS / 2;
  }
  if (t > now) {
    f -= t - now;
    t = now;
  }
  return { kind: "absolute", from: Math.round(f), to: Math.round(t) };
}

/**
 * The range moved by `fraction` of its span (negative: back in time), as an absolute range; a
 * move that would end past `now` ends at `now`.
 */
export function shiftRange(from: number, to: number, fraction: number, now: number): TimeRange {
  const by = (to - from) * fraction;
  return zoomTo(from + by, to + by, now);
}

/** The range twice as long around its middle (a zoom out), ending at `now` at the latest. */
export function zoomOut(from: number, to: number, now: number): TimeRange {
  const span = Math.min(MAX_SPAN_MS, (to - from) * 2);
  const mid = (from + to) / 2;
  return zoomTo(mid - span / 2, mid + span / 2, now);
}

/** The live range to go back to from `range`: the preset closest to its span (≥ it). */
export function liveRangeFor(range: TimeRange): TimeRange {
  if (range.kind !== "absolute") return range;
  const span = range.to - range.from;
  const preset = RANGE_PRESETS.find((p) => p.spanMs >= span) ?? RANGE_PRESETS[RANGE_PRESETS.length - 1]!;
  return { kind: "last", spanMs: preset.spanMs };
}

const DATE_TIME = new Intl.DateTimeFormat("en-GB", {
  year: "numeric",
  month: "short",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});

/** What the picker's button says for `range`. */
export function rangeLabel(range: TimeRange): string {
  switch (range.kind) {
    case "panels":
      return "Panel windows";
    case "last":
      return RANGE_PRESETS.find((p) => p.spanMs === range.spanMs)?.label ?? `Last ${formatSpan(range.spanMs)}`;
    case "absolute":
      return `${DATE_TIME.format(range.from)} – ${DATE_TIME.format(range.to)}`;
  }
}

/** Zooming out of `range` (drawn over `[from, to]`): a live range stays live, twice as long. */
export function zoomOutOf(range: TimeRange, from: number, to: number, now: number): TimeRange {
  if (range.kind === "absolute") return zoomOut(from, to, now);
  return { kind: "last", spanMs: Math.min(MAX_SPAN_MS, (to - from) * 2) };
}
