import { type Panel, tagValues, type Variable } from "../api.js";
import { resolveSeries, substitute, type VariableValues } from "../../../src/dashboards/variables.js";
import { h } from "../dom.js";

/** The URL parameter of variable `name` (Grafana's form): `var-host=web-2`. */
export function variableParam(name: string): string {
  return `var-${name}`;
}

/** A variable with the values it may take. */
export interface VariableChoices {
  variable: Variable;
  /** The tag's values (from the API), plus the chosen one when the API does not list it. */
  values: string[];
  /** The API's list was cut at its limit. */
  truncated: boolean;
}

/** Reads each variable's values from the API (a failed read offers only what the URL or the default names). */
export async function loadChoices(variables: readonly Variable[]): Promise<VariableChoices[]> {
  return Promise.all(
    variables.map(async (variable) => {
      try {
        const a = await tagValues(variable.tag, variable.match ?? "");
        return { variable, values: a.values, truncated: a.truncated === true };
      } catch {
        return { variable, values: [], truncated: false };
      }
    }),
  );
}

/** The value of each variable: the URL's, else its default, else its first value (none: left out). */
export function currentValues(choices: readonly VariableChoices[], params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of choices) {
    const v = params.get(variableParam(c.variable.name)) ?? c.variable.default ?? c.values[0];
    if (v !== undefined && v !== "") out[c.variable.name] = v;
  }
  return out;
}

/**
 * A panel with its variables replaced: its series (part by part; one that is not a valid series
 * once replaced is kept as written, and shows no data) and its title.
 */
export function resolvePanel(def: Panel, values: VariableValues): Panel {
  return {
    ...def,
    title: substitute(def.title, values),
    series: def.series.map((id) => resolveSeries(id, values) ?? id),
  };
}

/** One select per variable; `set` is called with a variable's name and its new value. */
export function variableBar(
  choices: readonly VariableChoices[],
  values: Readonly<Record<string, string>>,
  set: (name: string, value: string) => void,
): HTMLElement | null {
  if (choices.length === 0) return null;
  return h(
    "div",
    { class: "variable-bar", "data-testid": "variable-bar" },
    choices.map((c) => {
      const name = c.variable.name;
      const value = values[name];
      const options = value !== undefined && !c.values.includes(value) ? [value, ...c.values] : c.values;
      return h(
        "label",
        { class: "variable" },
        h("span", { class: "variable__name" }, c.variable.label ?? name),
        options.length === 0
          ? h("span", { class: "muted small", "data-testid": "var-empty", "data-var": name }, "no values")
          : h(
              "select",
              {
                class: "input",
                "data-testid": "var-select",
                "data-var": name,
                title: c.truncated ? "More values exist than are listed" : "",
                onchange: (e) => set(name, (e.target as HTMLSelectElement).value),
              },
              options.map((v) => h("option", { value: v, selected: v === value }, v)),
            ),
      );
    }),
  );
}
