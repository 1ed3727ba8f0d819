import { type PanelKindSpec, panelNumber } from "../../../src/panels/panel-kinds.js";
import { worstState } from "../alerts/alert-board.js";
import type { AlertEntry, Annotation, Panel } from "../api.js";
import { h } from "../dom.js";
import type { Drawable } from "../frame-scheduler.js";
import { SeriesFeed, seriesFeedDefaults } from "../live/series-feed.js";
import { stepFor } from "../time/resolution.js";
import { type PanelSpan, panelSpan, spanBounds } from "../time/time-range.js";
import type { PanelContext } from "./panel-context.js";

/** A panel's window when neither it nor its kind sets one, ms. */
const DEFAULT_WINDOW_MS = 300_000;

/**
 * The frame every panel shares: header, body, one `SeriesFeed` per series, and redraws
 * requested on animation frames when a feed changes. Subclasses fill `body` in `render()`.
 */
export abstract class BasePanel implements Drawable {
  readonly el: HTMLElement;
  readonly def: Panel;
  /** One per series; made again when the time range changes. */
  feeds: SeriesFeed[] = [];
  protected readonly body: HTMLElement;
  protected readonly status: HTMLElement;
  /** The state of the alert rules on this panel's series (hidden when none). */
  private readonly alertBadge: HTMLElement;
  protected readonly ctx: PanelContext;
  /** The panel's own window, ms: its `windowSec`, else its kind's default (shown unless the dashboard sets a range). */
  readonly windowMs: number;
  /** What the panel shows now: its window or the dashboard's range. */
  protected span: PanelSpan;
  private readonly mode: "stream" | "latest";
  private readonly maxRate: number;
  /** Whether the panel is on screen (or near it); off screen it keeps its data but does not render. */
  private onScreen = true;
  /** A render was skipped off screen: it runs when the panel comes back. */
  private missed = false;
  private visibility: IntersectionObserver | null = null;

  /** `mode`: how the feeds take their series (`stream` for every bucket, `latest` for the newest). */
  constructor(def: Panel, ctx: PanelContext, kind: PanelKindSpec, mode: "stream" | "latest") {
    this.def = def;
    this.ctx = ctx;
    // The kind's defaults first (windowSec 300, maxRate by kind); the feed's own for a kind without.
    const windowSec = panelNumber(def, kind, "windowSec");
    const windowMs = windowSec === undefined ? DEFAULT_WINDOW_MS : windowSec * 1000;
    this.windowMs = windowMs;
    this.span = panelSpan(ctx.time.range, windowMs);
    this.mode = mode;
    this.maxRate = panelNumber(def, kind, "maxRate") ?? seriesFeedDefaults.maxRate;
    this.status = h("span", { class: "panel__status", "data-testid": "panel-status" });
    this.alertBadge = h("span", { class: "panel__alert", "data-testid": "panel-alert", hidden: true });
    this.body = h("div", { class: "panel__body" });
    this.el = h(
      "section",
      { class: `panel panel--${def.kind}`, "data-testid": "panel", "data-panel-id": def.id, "data-kind": def.kind },
      h(
        "header",
        { class: "panel__head" },
        h("h3", { class: "panel__title", title: def.title }, def.title || kind.label),
        h("span", { class: "panel__kind" }, kind.label),
        this.alertBadge,
        this.status,
      ),
      this.body,
    );
  }

  /** Starts the feeds (at the step the panel's width fits) and draws the empty state. */
  start(): void {
    for (const f of this.feeds) f.stop();
    this.span = panelSpan(this.ctx.time.range, this.windowMs);
    const bounds = spanBounds(this.span, Date.now());
    const step = stepFor(bounds.to - bounds.from, this.body.clientWidth || this.el.clientWidth);
    this.feeds = this.def.series.map(
      (series) =>
        new SeriesFeed(
          this.ctx.conn.client,
          { series, span: this.span, step, mode: this.mode, maxRate: this.maxRate },
          () => this.ctx.scheduler.request(this),
        ),
    );
    for (const f of this.feeds) f.start();
    this.el.dataset.live = String(this.span.live);
    this.watchVisibility();
    this.ctx.scheduler.request(this);
  }

  /**
   * Renders only while on screen (with a margin, so a scroll finds panels drawn): a dashboard of
   * 40 charts shows a few at a time, and drawing the others each frame only costs frames.
   */
  private watchVisibility(): void {
    if (this.visibility !== null || typeof IntersectionObserver === "undefined") return;
    this.visibility = new IntersectionObserver(
      (entries) => {
        const on = entries.some((e) => e.isIntersecting);
        this.onScreen = on;
        this.el.dataset.onScreen = String(on);
        if (on && this.missed) this.ctx.scheduler.request(this);
      },
      { rootMargin: "300px 0px" },
    );
    this.visibility.observe(this.el);
  }

  /** Shows the dashboard's current time range: the feeds start over. */
  restart(): void {
    this.start();
    this.onRestart();
  }

  /** The span shown at `now`, ms. */
  protected bounds(now: number): { from: number; to: number } {
    return spanBounds(this.span, now);
  }

  /** Called after `restart` (a chart resets its scales). */
  protected onRestart(): void {}

  /** Draws the current data (called on an animation frame). */
  draw(): void {
    let points = 0;
    let lastT = Number.NEGATIVE_INFINITY;
    let error: string | null = null;
    for (const f of this.feeds) {
      points += f.window.length;
      lastT = Math.max(lastT, f.window.lastT);
      error ??= f.error;
    }
    // Read by the browser tests and handy when debugging a panel from the devtools.
    this.el.dataset.points = String(points);
    if (Number.isFinite(lastT)) this.el.dataset.lastT = String(lastT);
    else delete this.el.dataset.lastT;
    if (this.feeds[0] !== undefined) this.el.dataset.step = String(this.feeds[0].step);
    this.setStatus(error);
    this.missed = !this.onScreen;
    if (this.onScreen) this.render();
  }

  /**
   * Shows the alert rules on this panel's series: the worst state as the panel's border and a
   * badge (`data-alert` on the panel: `ok`, `pending`, `firing`, `resolved`; absent without rules),
   * the rules and their states in the badge's title.
   */
  showAlerts(entries: readonly AlertEntry[]): void {
    if (entries.length === 0) {
      delete this.el.dataset.alert;
      this.alertBadge.hidden = true;
    } else {
      const state = worstState(entries);
      this.el.dataset.alert = state;
      this.alertBadge.hidden = false;
      this.alertBadge.dataset.state = state;
      this.alertBadge.textContent = state;
      this.alertBadge.title = entries
        .map((e) => `${e.rule.title}: ${e.status.state}${e.status.value === null ? "" : ` (${e.status.value})`}`)
        .join("\n");
    }
    this.onAlerts(entries);
  }

  /** Called with the panel's alert rules after each change (a chart draws their thresholds). */
  protected onAlerts(_entries: readonly AlertEntry[]): void {}

  /** Shows the annotations of this panel (a time-series chart draws them; other kinds do not). */
  showAnnotations(_list: readonly Annotation[]): void {}

  /** Stops the feeds and releases what the panel holds. */
  destroy(): void {
    this.visibility?.disconnect();
    for (const f of this.feeds) f.stop();
    this.ctx.scheduler.cancel(this);
  }

  /** Fills `body` from the feeds' windows. */
  protected abstract render(): void;

  private setStatus(error: string | null): void {
    const paused = this.feeds.some((f) => f.state === "paused");
    const past = !this.span.live;
    const state = error ? "error" : paused ? "paused" : this.feeds.length === 0 ? "" : past ? "static" : "live";
    if (this.status.dataset.state === state && this.status.title === (error ?? "")) return;
    this.status.dataset.state = state;
    this.status.title = error ?? "";
    this.status.textContent = state === "error" ? "no data" : state === "static" ? "past" : state;
  }
}
