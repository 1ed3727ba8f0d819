import { type PanelKindSpec, panelNumber } from "../../../src/panels/panel-kinds.js";
import type { Panel } from "../api.js";
import { h } from "../dom.js";
import type { Drawable } from "../frame-scheduler.js";
import { SeriesFeed, seriesFeedDefaults } from "../live/series-feed.js";
import type { PanelContext } from "./panel-context.js";

/**
 * The frame every panel shares: header, body, one `SeriesFeed` per series, and redraws
 * requested on animation frames when a feed changes. Subclasses fill `body` in `render()`.
 */
export abstract class BasePanel implements Drawable {
  readonly el: HTMLElement;
  readonly def: Panel;
  readonly feeds: SeriesFeed[];
  protected readonly body: HTMLElement;
  protected readonly status: HTMLElement;
  protected readonly ctx: PanelContext;
  /** The window shown, ms: the panel's `windowSec`, else its kind's default. */
  protected readonly windowMs: number;

  /** `mode`: how the feeds take their series (`stream` for every bucket, `latest` for the newest). */
  constructor(def: Panel, ctx: PanelContext, kind: PanelKindSpec, mode: "stream" | "latest") {
    this.def = def;
    this.ctx = ctx;
    // The kind's defaults first (windowSec 300, maxRate by kind); the feed's own for a kind without.
    const windowSec = panelNumber(def, kind, "windowSec");
    const windowMs = windowSec === undefined ? seriesFeedDefaults.windowMs : windowSec * 1000;
    this.windowMs = windowMs;
    const maxRate = panelNumber(def, kind, "maxRate") ?? seriesFeedDefaults.maxRate;
    this.feeds = def.series.map(
      (series) =>
        new SeriesFeed(ctx.conn.client, { series, windowMs, mode, maxRate }, () => ctx.scheduler.request(this)),
    );
    this.status = h("span", { class: "panel__status", "data-testid": "panel-status" });
    this.body = h("div", { class: "panel__body" });
    this.el = h(
      "section",
      { class: `panel panel--${def.kind}`, "data-testid": "panel", "data-panel-id": def.id, "data-kind": def.kind },
      h(
        "header",
        { class: "panel__head" },
        h("h3", { class: "panel__title", title: def.title }, def.title || kind.label),
        h("span", { class: "panel__kind" }, kind.label),
        this.status,
      ),
      this.body,
    );
  }

  /** Starts the feeds and draws the empty state. */
  start(): void {
    for (const f of this.feeds) f.start();
    this.ctx.scheduler.request(this);
  }

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
    this.setStatus(error);
    this.render();
  }

  /** Stops the feeds and releases what the panel holds. */
  destroy(): void {
    for (const f of this.feeds) f.stop();
    this.ctx.scheduler.cancel(this);
  }

  /** Fills `body` from the feeds' windows. */
  protected abstract render(): void;

  private setStatus(error: string | null): void {
    const paused = this.feeds.some((f) => f.state === "paused");
    const state = error ? "error" : paused ? "paused" : this.feeds.length === 0 ? "" : "live";
    if (this.status.dataset.state === state && this.status.title === (error ?? "")) return;
    this.status.dataset.state = state;
    this.status.title = error ?? "";
    this.status.textContent = state === "error" ? "no data" : state;
  }
}
