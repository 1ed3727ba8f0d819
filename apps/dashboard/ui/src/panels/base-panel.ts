import type { Panel } from "../api.js";
import { h } from "../dom.js";
import type { Drawable } from "../frame-scheduler.js";
import { SeriesFeed } from "../live/series-feed.js";
import type { PanelContext } from "./panel-context.js";

/** Window a panel shows when its definition names none. */
const DEFAULT_WINDOW_SEC = 300;

/** Kind label shown in the panel header. */
const KIND_LABEL: Record<string, string> = {
  timeseries: "Time series",
  stat: "Stat",
  gauge: "Gauge",
  table: "Table",
  online: "Online",
};

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

  constructor(def: Panel, ctx: PanelContext, mode: "stream" | "latest") {
    this.def = def;
    this.ctx = ctx;
    const windowMs = (def.windowSec ?? DEFAULT_WINDOW_SEC) * 1000;
    const maxRate = def.maxRate ?? (mode === "stream" ? 2 : 4);
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
        h("h3", { class: "panel__title", title: def.title }, def.title || KIND_LABEL[def.kind] || def.kind),
        h("span", { class: "panel__kind" }, KIND_LABEL[def.kind] ?? def.kind),
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
