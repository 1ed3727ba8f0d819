import {
  type PanelKindName,
  type PanelKindSpec,
  type PanelRegistry,
  panelRegistry,
} from "../../../src/panels/panel-kinds.js";
import type { Panel } from "../api.js";
import type { BasePanel } from "./base-panel.js";
import { GaugePanel } from "./gauge-panel.js";
import { OnlinePanel } from "./online-panel.js";
import type { PanelContext } from "./panel-context.js";
import { StatPanel } from "./stat-panel.js";
import { TablePanel } from "./table-panel.js";
import { TimeseriesPanel } from "./timeseries-panel.js";

/** A panel renderer: a `BasePanel` subclass, built from the panel, the page's context and the panel's kind. */
export type PanelView = new (def: Panel, ctx: PanelContext, kind: PanelKindSpec) => BasePanel;

/**
 * How each kind of the registry (`src/panels/panel-kinds.ts`) draws: one line per kind. The type
 * asks for every registered kind, so a kind cannot be registered without its renderer.
 */
export const panelViews: Readonly<Record<PanelKindName, PanelView>> = {
  timeseries: TimeseriesPanel,
  stat: StatPanel,
  gauge: GaugePanel,
  table: TablePanel,
  online: OnlinePanel,
};

/** What the UI's editor, list page and panel factory read: the shared registry and the renderers. */
export interface UiPanelRegistry extends PanelRegistry {
  views: Readonly<Record<string, PanelView>>;
}

/** The built-in kinds with their renderers. */
export const uiPanelRegistry: UiPanelRegistry = { ...panelRegistry, views: panelViews };
