import { PANEL_KINDS, type Panel, type PanelKind } from "../api.js";
import { h } from "../dom.js";
import { seriesPicker } from "./series-picker.js";
import { thresholdEditor } from "./threshold-editor.js";

/** Moves and removal a panel editor offers; the page owns the list. */
export interface PanelEditorActions {
  up?: () => void;
  down?: () => void;
  remove: () => void;
  changed: () => void;
}

/** Reads an optional number field: empty clears it. */
function optNumber(el: HTMLInputElement): number | undefined {
  const v = el.value.trim();
  if (v === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function numberField(
  label: string,
  value: number | undefined,
  set: (v: number | undefined) => void,
  attrs: Record<string, string> = {},
): HTMLElement {
  return h(
    "label",
    { class: "field field--sm" },
    h("span", { class: "field__label" }, label),
    h("input", {
      class: "input input--num",
      type: "number",
      step: "any",
      value: value ?? "",
      ...attrs,
      oninput: (e) => set(optNumber(e.target as HTMLInputElement)),
    }),
  );
}

/** The form for one panel: kind, title, series, window, rate, range, unit, thresholds. */
export function panelEditor(def: Panel, index: number, act: PanelEditorActions): HTMLElement {
  def.series ??= [];
  def.thresholds ??= [];
  const changed = act.changed;
  const usesSeries = def.kind !== "online";
  const usesRange = def.kind === "gauge" || def.kind === "timeseries";
  const usesThresholds = def.kind !== "online";
  return h(
    "section",
    { class: "panel-editor", "data-testid": "panel-editor", "data-panel-id": def.id },
    h(
      "div",
      { class: "panel-editor__head" },
      h("span", { class: "panel-editor__index" }, String(index + 1)),
      h(
        "select",
        {
          class: "input",
          "aria-label": "Panel kind",
          "data-testid": "panel-kind",
          onchange: (e) => {
            def.kind = (e.target as HTMLSelectElement).value as PanelKind;
            changed();
          },
        },
        PANEL_KINDS.map((k) => h("option", { value: k, selected: k === def.kind }, k)),
      ),
      h("input", {
        class: "input panel-editor__title",
        type: "text",
        value: def.title,
        placeholder: "Panel title",
        "aria-label": "Panel title",
        "data-testid": "panel-title",
        oninput: (e) => {
          def.title = (e.target as HTMLInputElement).value;
        },
      }),
      h(
        "div",
        { class: "panel-editor__moves" },
        h(
          "button",
          {
            type: "button",
            class: "icon-btn",
            title: "Move up",
            "aria-label": "Move up",
            disabled: !act.up,
            onclick: () => act.up?.(),
          },
          "↑",
        ),
        h(
          "button",
          {
            type: "button",
            class: "icon-btn",
            title: "Move down",
            "aria-label": "Move down",
            disabled: !act.down,
            onclick: () => act.down?.(),
          },
          "↓",
        ),
        h(
          "button",
          {
            type: "button",
            class: "icon-btn icon-btn--danger",
            title: "Remove panel",
            "aria-label": "Remove panel",
            "data-testid": "panel-remove",
            onclick: act.remove,
          },
          "×",
        ),
      ),
    ),
    usesSeries
      ? h(
          "div",
          { class: "field" },
          h("span", { class: "field__label" }, "Series"),
          seriesPicker(def.series, () => {}),
        )
      : h("p", { class: "muted small" }, "Shows who is viewing this dashboard (presence)."),
    usesSeries
      ? h(
          "div",
          { class: "row row--wrap" },
          numberField("Window (s)", def.windowSec, (v) => (def.windowSec = v), { min: "10", placeholder: "300" }),
          numberField("Max rate (/s)", def.maxRate, (v) => (def.maxRate = v), { min: "0.1", placeholder: "auto" }),
          usesRange ? numberField("Min", def.min, (v) => (def.min = v)) : null,
          usesRange ? numberField("Max", def.max, (v) => (def.max = v)) : null,
          h(
            "label",
            { class: "field field--sm" },
            h("span", { class: "field__label" }, "Unit"),
            h("input", {
              class: "input input--num",
              type: "text",
              value: def.unit ?? "",
              placeholder: "%, ms…",
              oninput: (e) => {
                const v = (e.target as HTMLInputElement).value.trim();
                def.unit = v || undefined;
              },
            }),
          ),
        )
      : null,
    usesThresholds
      ? h(
          "div",
          { class: "field" },
          h("span", { class: "field__label" }, "Thresholds"),
          thresholdEditor(def.thresholds, () => {}),
        )
      : null,
  );
}
