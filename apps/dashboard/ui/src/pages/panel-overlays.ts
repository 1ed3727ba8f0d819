import { AlertBoard } from "../alerts/alert-board.js";
import { AnnotationLayer, showsOn } from "../annotations/annotation-layer.js";
import type { LiveClient } from "../live/live-client.js";
import type { BasePanel } from "../panels/base-panel.js";
import type { TimeRange } from "../time/time-range.js";

/** How far past now a live view reads annotations (a marker a clock slightly ahead posted), ms. */
const AHEAD_MS = 60_000;

/** The span of annotations to read for `range` at `now` (`panelsSpanMs`: the widest panel window). */
export function annotationSpan(range: TimeRange, panelsSpanMs: number, now: number): { from: number; to: number } {
  if (range.kind === "absolute") return { from: range.from, to: range.to };
  const span = range.kind === "last" ? range.spanMs : panelsSpanMs;
  return { from: now - span, to: now + AHEAD_MS };
}

/**
 * What a dashboard view draws over its panels: the alert rules' states (live from the `alerts`
 * topic) and the annotations of the range shown (live from the `annotations` topic). Each change
 * is handed to the panels it concerns.
 */
export class PanelOverlays {
  readonly alerts: AlertBoard;
  readonly annotations: AnnotationLayer;
  private panels: readonly BasePanel[] = [];

  constructor(
    client: LiveClient,
    private readonly dashboard: string,
    bounds: () => { from: number; to: number },
  ) {
    this.alerts = new AlertBoard(client);
    this.annotations = new AnnotationLayer(client, dashboard, bounds);
    this.alerts.onChange(() => this.showAlerts());
    this.annotations.onChange(() => this.showAnnotations());
  }

  start(): void {
    this.alerts.start();
    this.annotations.start();
  }

  /** The panels on screen now (after a rebuild): they get the current states and markers. */
  setPanels(panels: readonly BasePanel[]): void {
    this.panels = panels;
    this.showAlerts();
    this.showAnnotations();
  }

  /** The range changed: the annotations of the new one are read. */
  reload(): void {
    this.annotations.reload();
  }

  stop(): void {
    this.alerts.stop();
    this.annotations.stop();
  }

  private showAlerts(): void {
    for (const p of this.panels) p.showAlerts(this.alerts.forPanel(this.dashboard, p.def.id, p.def.series));
  }

  private showAnnotations(): void {
    const all = this.annotations.list();
    for (const p of this.panels) p.showAnnotations(all.filter((a) => showsOn(a, this.dashboard, p.def.id)));
  }
}
