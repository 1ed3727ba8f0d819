import { h } from "../dom.js";
import {
  liveRangeFor,
  MAX_SPAN_MS,
  PANEL_WINDOWS,
  RANGE_PRESETS,
  rangeLabel,
  shiftRange,
  type TimeRange,
  zoomOutOf,
} from "./time-range.js";

/** A time as a `datetime-local` input shows it (local time, to the second). */
export function toLocalInput(ms: number): string {
  const offset = new Date(ms).getTimezoneOffset() * 60_000;
  return new Date(ms - offset).toISOString().slice(0, 19);
}

/** The span `[from, to]` a range covers at `now`; the panels' windows count as `panelsSpanMs`. */
function boundsOf(range: TimeRange, now: number, panelsSpanMs: number): { from: number; to: number } {
  if (range.kind === "absolute") return { from: range.from, to: range.to };
  const span = range.kind === "last" ? range.spanMs : panelsSpanMs;
  return { from: now - span, to: now };
}

/** Options of the picker. */
export interface RangePickerOptions {
  range: TimeRange;
  /** Called with the range chosen. */
  set: (range: TimeRange) => void;
  /** What "back" and "zoom out" take as the span of the panels' own windows (the longest). */
  panelsSpanMs: number;
}

/**
 * The time range control of a dashboard: back, the picker (the panels' own windows, last 5
 * minutes … 7 days, or an absolute from/to), forward, zoom out, and "Live" to leave a past range.
 */
export function rangePicker(opts: RangePickerOptions): HTMLElement {
  const { range, set, panelsSpanMs } = opts;
  const now = Date.now();
  const b = boundsOf(range, now, panelsSpanMs);
  const from = h("input", {
    class: "input",
    type: "datetime-local",
    step: 1,
    value: toLocalInput(b.from),
    "aria-label": "From",
    "data-testid": "range-from",
  });
  const to = h("input", {
    class: "input",
    type: "datetime-local",
    step: 1,
    value: toLocalInput(b.to),
    "aria-label": "To",
    "data-testid": "range-to",
  });
  const error = h("p", { class: "form-error small", role: "alert", hidden: true, "data-testid": "range-error" });
  const details = h("details", { class: "range-picker" });
  const choose = (r: TimeRange) => {
    details.open = false;
    set(r);
  };
  const apply = (e: Event) => {
    e.preventDefault();
    const f = new Date(from.value).getTime();
    const t = new Date(to.value).getTime();
    const why =
      !Number.isFinite(f) || !Number.isFinite(t)
        ? "Enter both times."
        : t - f < 1000
          ? "From must be before to."
          : t - f > MAX_SPAN_MS
            ? "At most a year."
            : "";
    if (why) {
      error.textContent = why;
      error.hidden = false;
      return;
    }
    choose({ kind: "absolute", from: f, to: t });
  };
  const item = (label: string, r: TimeRange, attrs: Record<string, string> = {}) =>
    h(
      "button",
      {
        type: "button",
        class: `range-picker__item${rangeLabel(r) === rangeLabel(range) ? " is-current" : ""}`,
        onclick: () => choose(r),
        ...attrs,
      },
      label,
    );
  details.append(
    h(
      "summary",
      { class: "btn btn--sm", "data-testid": "range-picker", title: "Time range" },
      h("span", { "data-testid": "range-label" }, rangeLabel(range)),
    ),
    h(
      "div",
      { class: "range-picker__menu" },
      h(
        "div",
        { class: "range-picker__list" },
        item("Panel windows", PANEL_WINDOWS, { "data-testid": "range-panels" }),
        RANGE_PRESETS.map((p) =>
          item(
            p.label,
            { kind: "last", spanMs: p.spanMs },
            { "data-testid": "range-preset", "data-span": String(p.spanMs) },
          ),
        ),
      ),
      h(
        "form",
        { class: "range-picker__abs", onsubmit: apply },
        h("span", { class: "field__label" }, "Absolute range"),
        h("label", { class: "field" }, h("span", { class: "field__label" }, "From"), from),
        h("label", { class: "field" }, h("span", { class: "field__label" }, "To"), to),
        error,
        h("button", { type: "submit", class: "btn btn--primary btn--sm", "data-testid": "range-apply" }, "Apply"),
      ),
    ),
  );
  const live = range.kind !== "absolute";
  const icon = (label: string, text: string, testid: string, onclick: () => void, disabled = false) =>
    h(
      "button",
      {
        type: "button",
        class: "icon-btn",
        title: label,
        "aria-label": label,
        "data-testid": testid,
        disabled,
        onclick,
      },
      text,
    );
  return h(
    "div",
    { class: "range-bar", "data-testid": "range-bar", "data-live": String(live) },
    icon("Earlier", "‹", "range-back", () => set(shiftRange(b.from, b.to, -0.5, Date.now()))),
    details,
    icon("Later", "›", "range-forward", () => set(shiftRange(b.from, b.to, 0.5, Date.now())), live),
    icon("Zoom out", "−", "range-zoom-out", () => set(zoomOutOf(range, b.from, b.to, Date.now()))),
    live
      ? null
      : h(
          "button",
          {
            type: "button",
            class: "btn btn--sm btn--primary",
            "data-testid": "range-live",
            onclick: () => set(liveRangeFor(range)),
          },
          "Live",
        ),
  );
}
