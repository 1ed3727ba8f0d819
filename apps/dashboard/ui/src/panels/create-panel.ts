import type { Panel } from "../api.js";
import type { BasePanel } from "./base-panel.js";
import { GaugePanel } from "./gauge-panel.js";
import { OnlinePanel } from "./online-panel.js";
import type { PanelContext } from "./panel-context.js";
import { StatPanel } from "./stat-panel.js";
import { TablePanel } from "./table-panel.js";
import { TimeseriesPanel } from "./timeseries-panel.js";

/** Builds the panel for a definition (unknown kinds fall back to a table of latest values). */
export function createPanel(def: Panel, ctx: PanelContext): BasePanel {
  const d = { ...def, series: Array.isArray(def.series) ? def.series : [] };
  switch (d.kind) {
    case "timeseries":
      return new TimeseriesPanel(d, ctx);
    case "stat":
      return new StatPanel(d, ctx);
    case "gauge":
      return new GaugePanel(d, ctx);
    case "online":
      return new OnlinePanel({ ...d, series: [] }, ctx);
    default:
      return new TablePanel(d, ctx);
  }
}
