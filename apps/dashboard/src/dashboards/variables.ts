/**
 * Dashboard variables: a panel's series may name `$host` (or `${host}`) in its metric name or
 * tag values, and the page puts the variable's current value there (`cpu.usage,host=$host` →
 * `cpu.usage,host=web-2`). Shared by the server's schema and the UI, so both read a reference the
 * same way. Imports nothing from Node or zod: the UI bundles it.
 */
import { checkSeries, formatSeriesId, makeTags, parseSeriesId } from "../series/series-id.js";

/** A variable's name: what follows `$`. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;

/** A reference: `${name}` or `$name` (the longest name that follows). */
const REFERENCE = /\$(?:\{([A-Za-z_][A-Za-z0-9_]{0,31})\}|([A-Za-z_][A-Za-z0-9_]{0,31}))/g;

/** Current values by variable name. */
export type VariableValues = Readonly<Record<string, string>>;

/** The names `text` refers to, each once, in order. */
export function referencedVariables(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(REFERENCE)) out.add((m[1] ?? m[2]) as string);
  return [...out];
}

/** `text` with every reference to a variable of `values` replaced by its value (others are kept). */
export function substitute(text: string, values: VariableValues): string {
  return text.replace(REFERENCE, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare) as string;
    return Object.hasOwn(values, name) ? (values[name] as string) : whole;
  });
}

/**
 * The series `id` names once its references are replaced: the name and the tag values are
 * substituted part by part (so a value holding `,` or `=` is escaped, never read as a separator),
 * then checked again. Undefined when the result is not a valid series (an empty value, a value
 * too long): the panel has nothing to show for it.
 */
export function resolveSeries(id: string, values: VariableValues): string | undefined {
  if (!id.includes("$")) return id;
  const key = parseSeriesId(id);
  if (key === undefined) return undefined;
  const name = substitute(key.name, values);
  const tags = makeTags(Object.entries(key.tags).map(([k, v]) => [k, substitute(v, values)] as const));
  if (checkSeries(name, tags) !== undefined) return undefined;
  return formatSeriesId(name, tags);
}
