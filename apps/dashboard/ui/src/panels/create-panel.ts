import { type PanelKindSpec, type PanelRegistry, panelKind } from "../../../src/panels/panel-kinds.js";
import type { Panel } from "../api.js";
import type { BasePanel } from "./base-panel.js";
import type { PanelContext } from "./panel-context.js";
import { type UiPanelRegistry, uiPanelRegistry } from "./panel-views.js";
import { TablePanel } from "./table-panel.js";

/**
 * The spec of kind `name` in `registry`; a kind it does not hold (a newer server's) is taken
 * as a table of latest values labelled with its name, which is how it is drawn and edited.
 */
export function kindOf(name: string, registry: PanelRegistry): PanelKindSpec {
  return panelKind(name, registry) ?? { ...(panelKind("table") as PanelKindSpec), name, label: name };
}

/** Builds the panel for a definition with the renderer its kind registered (a kind without series gets none). */
export function createPanel(def: Panel, ctx: PanelContext, registry: UiPanelRegistry = uiPanelRegistry): BasePanel {
  const kind = kindOf(def.kind, registry);
  const View = registry.views[kind.name] ?? TablePanel;
  const series = kind.series && Array.isArray(def.series) ? def.series : [];
  return new View({ ...def, series }, ctx, kind);
}
