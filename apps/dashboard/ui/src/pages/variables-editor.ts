import type { Variable } from "../api.js";
import { h, replaceChildren } from "../dom.js";

/** The variables as sent to the API: strings trimmed, empty optional fields left out, blank rows dropped. */
export function cleanVariables(list: readonly Variable[]): Variable[] {
  const out: Variable[] = [];
  for (const v of list) {
    const name = v.name.trim();
    const tag = v.tag.trim();
    if (name === "" && tag === "") continue;
    const clean: Variable = { name, tag };
    for (const k of ["match", "label", "default"] as const) {
      const x = v[k]?.trim();
      if (x) clean[k] = x;
    }
    out.push(clean);
  }
  return out;
}

/** One text input of a variable row. */
function input(v: Variable, key: keyof Variable, label: string, placeholder: string): HTMLElement {
  return h(
    "label",
    { class: "field field--sm" },
    h("span", { class: "field__label" }, label),
    h("input", {
      class: "input",
      type: "text",
      value: v[key] ?? "",
      placeholder,
      spellcheck: "false",
      "data-testid": `var-${key}`,
      oninput: (e) => {
        v[key] = (e.target as HTMLInputElement).value;
      },
    }),
  );
}

/**
 * Rows of variables (name, tag, series prefix, default, label) with add and remove: `$name` in a
 * panel's series or title takes the value chosen on the dashboard, among the tag's values.
 */
export function variablesEditor(list: Variable[]): HTMLElement {
  const rows = h("div", { class: "variables-editor", "data-testid": "variables-editor" });
  const render = () =>
    replaceChildren(
      rows,
      list.map((v, i) =>
        h(
          "div",
          { class: "row row--wrap variable-row", "data-testid": "variable-row" },
          input(v, "name", "Name ($…)", "host"),
          input(v, "tag", "Tag", "host"),
          input(v, "match", "Series prefix", "cpu.usage,"),
          input(v, "default", "Default", "first value"),
          input(v, "label", "Label", "Host"),
          h(
            "button",
            {
              type: "button",
              class: "icon-btn icon-btn--danger",
              "aria-label": "Remove variable",
              onclick: () => {
                list.splice(i, 1);
                render();
              },
            },
            "×",
          ),
        ),
      ),
      h(
        "button",
        {
          type: "button",
          class: "btn btn--ghost btn--sm",
          "data-testid": "add-variable",
          onclick: () => {
            list.push({ name: "", tag: "" });
            render();
          },
        },
        "+ Variable",
      ),
    );
  render();
  return rows;
}
