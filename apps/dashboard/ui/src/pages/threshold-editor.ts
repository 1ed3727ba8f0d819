import type { Threshold } from "../api.js";
import { h, replaceChildren } from "../dom.js";
import { cssColor, THRESHOLD_COLORS } from "../format.js";

/** Rows of value + colour; values at or above a row's value take its colour. */
export function thresholdEditor(list: Threshold[], onChange: () => void): HTMLElement {
  const rows = h("div", { class: "thresholds" });
  const render = () =>
    replaceChildren(
      rows,
      list.map((t, i) =>
        h(
          "div",
          { class: "threshold", "data-testid": "threshold" },
          h("i", { class: "legend__swatch", style: `--c: ${cssColor(t.color)}` }),
          h("span", { class: "muted small" }, "≥"),
          h("input", {
            class: "input input--num",
            type: "number",
            step: "any",
            value: t.value,
            "aria-label": "Threshold value",
            oninput: (e) => {
              const v = Number((e.target as HTMLInputElement).value);
              if (Number.isFinite(v)) t.value = v;
              onChange();
            },
          }),
          h(
            "select",
            {
              class: "input",
              "aria-label": "Threshold colour",
              onchange: (e) => {
                t.color = (e.target as HTMLSelectElement).value;
                render();
                onChange();
              },
            },
            (THRESHOLD_COLORS.includes(t.color) ? THRESHOLD_COLORS : [t.color, ...THRESHOLD_COLORS]).map((c) =>
              h("option", { value: c, selected: c === t.color }, c),
            ),
          ),
          h(
            "button",
            {
              type: "button",
              class: "icon-btn icon-btn--sm",
              "aria-label": "Remove threshold",
              onclick: () => {
                list.splice(i, 1);
                render();
                onChange();
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
          onclick: () => {
            const top = list.reduce((m, t) => Math.max(m, t.value), 0);
            list.push({ value: list.length ? top * 1.25 || 1 : 80, color: list.length ? "red" : "orange" });
            render();
            onChange();
          },
        },
        "+ Threshold",
      ),
    );
  render();
  return rows;
}
