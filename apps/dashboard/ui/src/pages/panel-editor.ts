import type { PanelRegistry } from "../../../src/panels/panel-kinds.js";
import { panelRegistry } from "../../../src/panels/panel-kinds.js";
import type { NumberOption, PanelOptionSpec, TextOption, ThresholdsOption } from "../../../src/panels/panel-options.js";
import type { Panel, Threshold } from "../api.js";
import { type Attrs, h } from "../dom.js";
import { kindOf } from "../panels/create-panel.js";
import { seriesPicker } from "./series-picker.js";
import { thresholdEditor } from "./threshold-editor.js";

/** Moves and removal a panel editor offers; the page owns the list. */
export interface PanelEditorActions {
  up?: () => void;
  down?: () => void;
  remove: () => void;
  changed: () => void;
}

/**
 * A panel's options by name: the fields are made from the registry's option specs, so they read
 * and write the panel by the option's name (each field checks the value's type it reads).
 */
type OptionValues = Record<string, unknown>;

/** Reads an optional number field: empty clears it. */
function optNumber(el: HTMLInputElement): number | undefined {
  const v = el.value.trim();
  if (v === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** A small labelled input (the `input` attributes after its class). */
function inputField(label: string, input: Attrs): HTMLElement {
  return h(
    "label",
    { class: "field field--sm" },
    h("span", { class: "field__label" }, label),
    h("input", { class: "input input--num", ...input }),
  );
}

function numberField(spec: NumberOption, values: OptionValues, name: string): HTMLElement {
  const value = values[name];
  return inputField(spec.label, {
    type: "number",
    step: "any",
    value: typeof value === "number" ? value : "",
    // A hint for the browser; the server checks the bounds (`min`, `above`, `max`).
    min: spec.inputMin ?? spec.min,
    placeholder: spec.placeholder,
    oninput: (e) => {
      values[name] = optNumber(e.target as HTMLInputElement);
    },
  });
}

function textField(spec: TextOption, values: OptionValues, name: string): HTMLElement {
  const value = values[name];
  return inputField(spec.label, {
    type: "text",
    value: typeof value === "string" ? value : "",
    placeholder: spec.placeholder,
    oninput: (e) => {
      const v = (e.target as HTMLInputElement).value.trim();
      values[name] = v || undefined;
    },
  });
}

function thresholdsField(spec: ThresholdsOption, values: OptionValues, name: string): HTMLElement {
  if (!Array.isArray(values[name])) values[name] = [];
  return h(
    "div",
    { class: "field" },
    h("span", { class: "field__label" }, spec.label),
    thresholdEditor(values[name] as Threshold[], () => {}),
  );
}

/** The field of one option: small inputs go in a row, lists get a block of their own. */
function optionField(spec: PanelOptionSpec, values: OptionValues, name: string): { el: HTMLElement; inRow: boolean } {
  switch (spec.type) {
    case "number":
      return { el: numberField(spec, values, name), inRow: true };
    case "text":
      return { el: textField(spec, values, name), inRow: true };
    case "thresholds":
      return { el: thresholdsField(spec, values, name), inRow: false };
  }
}

/**
 * The form for one panel: kind, title, then what its kind registered: series (or a note), and a
 * field per option, in the kind's order.
 */
export function panelEditor(
  def: Panel,
  index: number,
  act: PanelEditorActions,
  registry: PanelRegistry = panelRegistry,
): HTMLElement {
  def.series ??= [];
  const changed = act.changed;
  const kind = kindOf(def.kind, registry);
  const values = def as unknown as OptionValues;
  const fields = kind.options.flatMap((name) => {
    const spec = registry.options[name];
    return spec === undefined ? [] : [optionField(spec, values, name)];
  });
  const row = fields.filter((f) => f.inRow).map((f) => f.el);
  const blocks = fields.filter((f) => !f.inRow).map((f) => f.el);
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
            def.kind = (e.target as HTMLSelectElement).value as Panel["kind"];
            changed();
          },
        },
        registry.kinds.map((k) => h("option", { value: k.name, selected: k.name === def.kind }, k.name)),
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
    kind.series
      ? h(
          "div",
          { class: "field" },
          h("span", { class: "field__label" }, "Series"),
          seriesPicker(def.series, () => {}),
        )
      : h("p", { class: "muted small" }, kind.note ?? ""),
    row.length > 0 ? h("div", { class: "row row--wrap" }, row) : null,
    blocks,
  );
}
