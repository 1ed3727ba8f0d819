/**
 * Dashboard definitions as the API accepts them (zod). Objects are strict: an unknown field is
 * an error that names it, so a typo never silently loses a setting. A panel's kind and options
 * come from the panel registry (`panels/panel-kinds.ts`, `panels/panel-options.ts`): the schema
 * accepts exactly the registered kinds, and every registered option on any of them (a kind
 * ignores the options it does not use, so changing a panel's kind never makes it invalid).
 */
import { z } from "zod";
import { type PanelKindSpec, type PanelRegistry, panelRegistry } from "../panels/panel-kinds.js";
import type {
  NumberOption,
  PanelOptionSpec,
  PanelOptionSpecs,
  TextOption,
  ThresholdsOption,
} from "../panels/panel-options.js";
import { parseSeriesId, seriesLimits } from "../series/series-id.js";
import { boundedText } from "../zod-text.js";
import { VARIABLE_NAME } from "./variables.js";

/** Limits on one dashboard. */
export const dashboardLimits = {
  maxPanels: 50,
  maxSeriesPerPanel: 20,
  maxTitleLength: 200,
} as const;

/** Limits on a dashboard's variables. */
export const variableLimits = {
  maxVariables: 10,
  /** Longest `match` (a series id prefix), bytes. */
  maxMatchBytes: 1024,
  /** Longest label, bytes. */
  maxLabelBytes: 64,
} as const;

/**
 * A dashboard variable: `$name` in a panel's series (or title) takes one of the values tag `tag`
 * has among the series whose id starts with `match` (`GET /api/v1/tags/<tag>/values`), chosen on
 * the page; `default` when the URL names none (else the first value).
 */
export const variableSchema = z
  .object({
    name: z.string().regex(VARIABLE_NAME, "must be a letter or _ then up to 31 letters, digits or _"),
    tag: boundedText(seriesLimits.maxTagKeyBytes, 1),
    match: boundedText(variableLimits.maxMatchBytes).optional(),
    label: boundedText(variableLimits.maxLabelBytes).optional(),
    default: boundedText(seriesLimits.maxTagValueBytes).optional(),
  })
  .strict();

/** The layout grid: 12 columns of fixed-height rows (50 px in the UI), so a layout reads the same on any screen width. */
export const gridLimits = { columns: 12, maxRow: 2000, maxHeight: 24 } as const;

/**
 * Where a panel sits on the dashboard's grid: column `x` (0–11) and row `y` of its top-left
 * cell, `w` columns wide and `h` rows high. Optional: panels without one flow after the others
 * in their order (the layout of a dashboard nobody arranged).
 */
export const gridPosSchema = z
  .object({
    x: z
      .number()
      .int()
      .min(0)
      .max(gridLimits.columns - 1),
    y: z.number().int().min(0).max(gridLimits.maxRow),
    w: z.number().int().min(1).max(gridLimits.columns),
    h: z.number().int().min(1).max(gridLimits.maxHeight),
  })
  .strict()
  .refine((g) => g.x + g.w <= gridLimits.columns, { message: `x + w must be at most ${gridLimits.columns}` });

/** Dashboard and panel ids: URL- and topic-safe. */
export const DASHBOARD_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const seriesId = z.string().refine((s) => parseSeriesId(s) !== undefined, {
  message: "must be a series id like name,tag=value (tags sorted, A-Z a-z 0-9 _ . - : / @)",
});

/** Schema of one colour step of a thresholds option: values at or above `value` take `color`. */
function thresholdSchema(spec: ThresholdsOption) {
  return z.object({ value: z.number(), color: z.string().min(1).max(spec.maxColorLength) }).strict();
}

/** The zod type `optionSchema` builds for an option of spec `S`. */
type OptionSchema<S extends PanelOptionSpec> = S extends NumberOption
  ? z.ZodOptional<z.ZodNumber>
  : S extends TextOption
    ? z.ZodOptional<z.ZodString>
    : z.ZodOptional<z.ZodArray<ReturnType<typeof thresholdSchema>>>;

/** The schema of one option's value (always optional: a panel sets the options it wants). */
function optionSchema(spec: PanelOptionSpec): OptionSchema<PanelOptionSpec> {
  switch (spec.type) {
    case "number": {
      let n = z.number();
      if (spec.int) n = n.int();
      if (spec.min !== undefined) n = n.min(spec.min);
      if (spec.above !== undefined) n = n.gt(spec.above);
      if (spec.max !== undefined) n = n.max(spec.max);
      return n.optional();
    }
    case "text":
      return z.string().max(spec.maxLength).optional();
    case "thresholds":
      return z.array(thresholdSchema(spec)).max(spec.maxItems).optional();
  }
}

/** The options' part of a panel's zod shape. */
function optionsShape<O extends PanelOptionSpecs>(options: O): { -readonly [K in keyof O]: OptionSchema<O[K]> } {
  const shape: Record<string, OptionSchema<PanelOptionSpec>> = {};
  for (const [name, spec] of Object.entries(options)) shape[name] = optionSchema(spec);
  // Object.entries forgets which name holds which spec; each entry was built from its own spec.
  return shape as { -readonly [K in keyof O]: OptionSchema<O[K]> };
}

/** Fields every panel has (or may have, whatever its kind); no option may take their names. */
const PANEL_FIELDS = ["id", "kind", "title", "series", "grid"];

/**
 * Throws when a registry cannot make a schema: no kinds, a kind twice, an option named like a
 * panel's own field, or a kind using an option that is not registered.
 */
function checkRegistry(registry: PanelRegistry): void {
  if (registry.kinds.length === 0) throw new Error("panel registry: no kinds");
  for (const name of PANEL_FIELDS)
    if (Object.hasOwn(registry.options, name)) throw new Error(`panel registry: option ${name} is a panel field`);
  const names = new Set<string>();
  for (const kind of registry.kinds) {
    if (names.has(kind.name)) throw new Error(`panel registry: kind ${kind.name} registered twice`);
    names.add(kind.name);
    for (const option of kind.options)
      if (!Object.hasOwn(registry.options, option))
        throw new Error(`panel registry: kind ${kind.name} uses option ${option}, which is not registered`);
  }
}

/** The schema of one panel of `registry`: its kinds, and its options on every kind. */
export function panelSchemaFor<const K extends readonly PanelKindSpec[], const O extends PanelOptionSpecs>(registry: {
  kinds: K;
  options: O;
}) {
  checkRegistry(registry);
  const kinds = registry.kinds.map((k) => k.name as K[number]["name"]);
  return z
    .object({
      id: z.string().regex(DASHBOARD_ID, "must be 1-64 characters of A-Z a-z 0-9 _ -"),
      kind: z.enum(kinds),
      title: z.string().max(dashboardLimits.maxTitleLength),
      series: z.array(seriesId).max(dashboardLimits.maxSeriesPerPanel),
      grid: gridPosSchema.optional(),
      ...optionsShape(registry.options),
    })
    .strict();
}

/** Schema of one panel. */
export const panelSchema = panelSchemaFor(panelRegistry);

/** The schema of a dashboard whose panels follow `panel` (panel ids unique within it). */
export function dashboardSchemaFor<P extends z.ZodType<{ id: string }>>(panel: P) {
  return z
    .object({
      id: z
        .string()
        .regex(DASHBOARD_ID, "must be 1-64 characters of A-Z a-z 0-9 _ - (starting with a letter or digit)"),
      title: z.string().min(1).max(dashboardLimits.maxTitleLength),
      panels: z.array(panel).max(dashboardLimits.maxPanels),
      variables: z.array(variableSchema).max(variableLimits.maxVariables).optional(),
    })
    .strict()
    .superRefine((d, ctx) => {
      const names = new Set<string>();
      d.variables?.forEach((v, i) => {
        if (names.has(v.name))
          ctx.addIssue({ code: "custom", path: ["variables", i, "name"], message: `duplicate variable ${v.name}` });
        names.add(v.name);
      });
      const seen = new Set<string>();
      d.panels.forEach((p, i) => {
        if (seen.has(p.id))
          ctx.addIssue({ code: "custom", path: ["panels", i, "id"], message: `duplicate panel id ${p.id}` });
        seen.add(p.id);
      });
    });
}

/** Schema of a dashboard. */
export const dashboardSchema = dashboardSchemaFor(panelSchema);

/** A validated dashboard. */
export type Dashboard = z.infer<typeof dashboardSchema>;
/** A validated panel. */
export type Panel = z.infer<typeof panelSchema>;
/** A panel's place on the grid. */
export type GridPos = z.infer<typeof gridPosSchema>;
/** A validated variable. */
export type Variable = z.infer<typeof variableSchema>;
/** A validated colour step. */
export type Threshold = z.infer<ReturnType<typeof thresholdSchema>>;
