/**
 * The options a panel may carry besides its id, kind, title and series, declared once as data:
 * the server builds its zod schema from them (`dashboards/dashboard-schema.ts`) and the UI's
 * editor its fields (`ui/src/pages/panel-editor.ts`), so a bound is written in one place. A kind
 * lists the options it uses (`panel-kinds.ts`). Imports nothing: the UI bundles this module.
 *
 * A new option is one entry here (and its name in the kinds that use it). A new *type* of option
 * also needs its zod schema (`optionSchema`) and its editor field (`optionField`); both switch
 * over `type`, so the compiler points at them.
 */

/** A number: the server checks the bounds, the editor shows a number input. */
export interface NumberOption {
  type: "number";
  /** The editor's label. */
  label: string;
  /** Whole numbers only. */
  int?: boolean;
  /** Smallest value accepted. */
  min?: number;
  /** Values must be greater than this. */
  above?: number;
  /** Largest value accepted. */
  max?: number;
  /** The editor input's `min` attribute, when it is not `min` (a hint: the server decides). */
  inputMin?: number;
  /** What the empty input shows. */
  placeholder?: string;
  /** What a renderer uses when neither the panel nor its kind sets a value. */
  default?: number;
}

/** A short text (empty means unset). */
export interface TextOption {
  type: "text";
  label: string;
  /** Longest value accepted, in characters. */
  maxLength: number;
  placeholder?: string;
}

/** Colour steps `{ value, color }`: values at or above `value` take `color`. */
export interface ThresholdsOption {
  type: "thresholds";
  label: string;
  /** Most steps. */
  maxItems: number;
  /** Longest colour name or CSS colour, in characters. */
  maxColorLength: number;
}

/** What one option is: its type, its bounds and how the editor shows it. */
export type PanelOptionSpec = NumberOption | TextOption | ThresholdsOption;

/** Options by name, as a registry holds them. */
export type PanelOptionSpecs = Readonly<Record<string, PanelOptionSpec>>;

/**
 * Every option of a panel. The order is the order of a stored panel's fields (the editor's order
 * is each kind's own).
 */
export const panelOptions = {
  windowSec: {
    type: "number",
    label: "Window (s)",
    int: true,
    min: 10,
    max: 7 * 86_400,
    placeholder: "300",
    default: 300,
  },
  maxRate: { type: "number", label: "Max rate (/s)", above: 0, max: 60, inputMin: 0.1, placeholder: "auto" },
  thresholds: { type: "thresholds", label: "Thresholds", maxItems: 10, maxColorLength: 32 },
  min: { type: "number", label: "Min" },
  max: { type: "number", label: "Max" },
  unit: { type: "text", label: "Unit", maxLength: 16, placeholder: "%, ms…" },
} as const satisfies PanelOptionSpecs;

/** The name of a panel option. */
export type PanelOptionName = keyof typeof panelOptions;

/** The names of the options of one type in `options`. */
export type OptionNamesOf<T extends PanelOptionSpec["type"], O extends PanelOptionSpecs = typeof panelOptions> = {
  [K in keyof O]: O[K]["type"] extends T ? K : never;
}[keyof O] &
  string;

/** The number options. */
export type NumberOptionName = OptionNamesOf<"number">;
