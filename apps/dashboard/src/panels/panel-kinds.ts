/**
 * The panel registry: every kind a dashboard can hold, as data. The server's schema accepts
 * exactly these kinds (`dashboards/dashboard-schema.ts`); the UI's editor offers them with the
 * fields of their options, its list page shows their icons, and its factory picks their renderer
 * (`ui/src/panels/panel-views.ts`). Imports nothing from Node or zod: the UI bundles it.
 *
 * A new kind is one entry in `panelKinds` plus its renderer (see docs/dashboard.md, "Adding a
 * panel kind").
 */
import { type NumberOptionName, type PanelOptionName, type PanelOptionSpecs, panelOptions } from "./panel-options.js";

/** What a panel kind is: its name on the wire, how the UI labels it, and the options it uses. */
export interface PanelKindSpec<N extends string = string, O extends string = string> {
  /** The panel's `kind`. */
  name: N;
  /** The panel header's label. */
  label: string;
  /** Its icon on the dashboard list: an SVG path in a 24×24 box, stroked. */
  icon: string;
  /** Whether it shows series; without, a panel's `series` is always empty. */
  series: boolean;
  /** What the editor says in place of the series picker, for a kind without series. */
  note?: string;
  /**
   * The options its editor shows (in this order) and its renderer reads. A panel may carry
   * others (they are ignored, and the editor leaves them out when it saves).
   */
  options: readonly O[];
  /** Values its renderer uses for number options the panel leaves unset (before each option's own `default`). */
  defaults?: Readonly<Partial<Record<O, number>>>;
  /** Its size on the dashboard's grid (12 columns, 50 px rows) until someone resizes it (default 3 × 4). */
  size?: Readonly<{ w: number; h: number }>;
}

/** A kind's grid size when it registers none: a quarter of the width, 4 rows. */
export const DEFAULT_PANEL_SIZE = { w: 3, h: 4 } as const;

/** Declares a kind of the built-in options (keeps its name's literal type). */
export function definePanelKind<const N extends string>(
  spec: PanelKindSpec<N, PanelOptionName>,
): PanelKindSpec<N, PanelOptionName> {
  return spec;
}

/** Kinds and the options they draw from: what the schema, the editor and the factory read. */
export interface PanelRegistry {
  /** In the order the editor offers them; the first is a new panel's kind. */
  kinds: readonly PanelKindSpec[];
  options: PanelOptionSpecs;
}

const timeseries = definePanelKind({
  name: "timeseries",
  label: "Time series",
  icon: "M3 17l5-6 4 3 6-8 3 3",
  series: true,
  options: ["windowSec", "maxRate", "min", "max", "unit", "thresholds"],
  // A chart takes every bucket ("stream"): fewer flushes a second than a latest value needs.
  defaults: { maxRate: 2 },
  size: { w: 6, h: 7 },
});

const stat = definePanelKind({
  name: "stat",
  label: "Stat",
  icon: "M5 19V9M12 19V5M19 19v-7",
  series: true,
  options: ["windowSec", "maxRate", "unit", "thresholds"],
  defaults: { maxRate: 4 },
});

const gauge = definePanelKind({
  name: "gauge",
  label: "Gauge",
  icon: "M4 17a8 8 0 1 1 16 0M12 17l4-5",
  series: true,
  options: ["windowSec", "maxRate", "min", "max", "unit", "thresholds"],
  defaults: { maxRate: 4 },
  size: { w: 3, h: 5 },
});

const table = definePanelKind({
  name: "table",
  label: "Table",
  icon: "M3 6h18M3 12h18M3 18h18",
  series: true,
  options: ["windowSec", "maxRate", "unit", "thresholds"],
  defaults: { maxRate: 4 },
  size: { w: 6, h: 7 },
});

const online = definePanelKind({
  name: "online",
  label: "Online",
  icon: "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8M4 20a8 8 0 0 1 16 0",
  series: false,
  note: "Shows who is viewing this dashboard (presence).",
  options: [],
});

/** Every panel kind, in the order the editor offers them. One line per kind. */
export const panelKinds = [timeseries, stat, gauge, table, online] as const;

/** The name of a registered panel kind. */
export type PanelKindName = (typeof panelKinds)[number]["name"];

/** The built-in registry. */
export const panelRegistry = { kinds: panelKinds, options: panelOptions } satisfies PanelRegistry;

/** The spec of kind `name` in `registry`, or undefined for a kind it does not hold. */
export function panelKind(name: string, registry: PanelRegistry = panelRegistry): PanelKindSpec | undefined {
  return registry.kinds.find((k) => k.name === name);
}

/**
 * A panel's number option as its renderer uses it: the panel's own value, else its kind's
 * default, else the option's, else undefined.
 */
export function panelNumber(
  panel: Readonly<Partial<Record<NumberOptionName, number>>>,
  kind: PanelKindSpec,
  name: NumberOptionName,
): number | undefined {
  const own = panel[name];
  if (own !== undefined) return own;
  const fromKind = (kind.defaults as Readonly<Record<string, number | undefined>> | undefined)?.[name];
  if (fromKind !== undefined) return fromKind;
  const option = panelOptions[name];
  return "default" in option ? option.default : undefined;
}
