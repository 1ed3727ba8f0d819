import type { SeriesInfo } from "../api.js";
import { h, replaceChildren } from "../dom.js";

/** Datalist id shared by every picker on the page (one list of known series). */
export const SERIES_DATALIST = "dw-series";

/** Fills (or creates) the page's datalist of known series ids. */
export function fillSeriesDatalist(series: SeriesInfo[]): HTMLDataListElement {
  let list = document.getElementById(SERIES_DATALIST) as HTMLDataListElement | null;
  if (!list) {
    list = h("datalist", { id: SERIES_DATALIST });
    document.body.append(list);
  }
  // A datalist with thousands of options makes the input sluggish; the first 2000 suffice to type ahead.
  replaceChildren(
    list,
    series.slice(0, 2000).map((s) => h("option", { value: s.id })),
  );
  return list;
}

/** Chips of the chosen series plus an input (with suggestions) to add one. */
export function seriesPicker(chosen: string[], onChange: () => void): HTMLElement {
  const chips = h("div", { class: "chips" });
  const input = h("input", {
    class: "input",
    type: "text",
    list: SERIES_DATALIST,
    placeholder: "Add a series, e.g. cpu.usage,host=a",
    "data-testid": "series-input",
    spellcheck: "false",
    autocomplete: "off",
  });
  const render = () =>
    replaceChildren(
      chips,
      chosen.length === 0 ? h("span", { class: "muted small" }, "No series yet") : null,
      chosen.map((id, i) =>
        h(
          "span",
          { class: "chip", title: id },
          id,
          h(
            "button",
            {
              type: "button",
              class: "chip__x",
              "aria-label": `Remove ${id}`,
              onclick: () => {
                chosen.splice(i, 1);
                render();
                onChange();
              },
            },
            "×",
          ),
        ),
      ),
    );
  const add = () => {
    const v = input.value.trim();
    if (!v || chosen.includes(v)) {
      input.value = "";
      return;
    }
    chosen.push(v);
    input.value = "";
    render();
    onChange();
  };
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      add();
    }
  });
  // Picking a suggestion from the datalist fires "input" with the whole value: add it at once.
  input.addEventListener("input", (e) => {
    if ((e as InputEvent).inputType === "insertReplacementText") add();
  });
  render();
  return h(
    "div",
    { class: "series-picker" },
    chips,
    h(
      "div",
      { class: "row" },
      input,
      h("button", { type: "button", class: "btn btn--sm", "data-testid": "series-add", onclick: add }, "Add"),
    ),
  );
}
