import { type AlertRuleInput, ApiError, getAlertVersioned, saveAlert, STALE_WRITE } from "../api.js";
import { h, replaceChildren } from "../dom.js";

/** Longest webhook URL the server takes, bytes (the rule schema's `maxUrlBytes`). */
const MAX_URL_BYTES = 2048;
/** Most webhooks of one rule (the schema's `maxWebhooks`). */
const MAX_WEBHOOKS = 5;

/** Why a webhook URL would be refused before asking the server (scheme, size); undefined when fine. */
export function webhookProblem(url: string): string | undefined {
  if (new TextEncoder().encode(url).length > MAX_URL_BYTES) return `longer than ${MAX_URL_BYTES} bytes`;
  try {
    const u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:") return "must be an http:// or https:// URL";
  } catch {
    return "not a URL";
  }
  return undefined;
}

/** What the form holds while edited (numbers as typed). */
interface Draft {
  title: string;
  series: string;
  op: "above" | "below";
  threshold: string;
  forSec: string;
  reduce: "last" | "mean" | "min" | "max";
  windowSec: string;
  dashboard: string;
  panel: string;
  webhooks: string;
}

function draftOf(r: Partial<AlertRuleInput>): Draft {
  return {
    title: r.title ?? "",
    series: r.series ?? "",
    op: r.op ?? "above",
    threshold: r.threshold === undefined ? "" : String(r.threshold),
    forSec: String(r.forSec ?? 0),
    reduce: r.reduce ?? "last",
    windowSec: String(r.windowSec ?? 10),
    dashboard: r.dashboard ?? "",
    panel: r.panel ?? "",
    webhooks: (r.webhooks ?? []).join("\n"),
  };
}

/** The body to send; a problem found here (before the server) is thrown as a message. */
export function ruleBody(d: Draft): Omit<AlertRuleInput, "id"> {
  const num = (v: string, what: string) => {
    const n = Number(v);
    if (v.trim() === "" || !Number.isFinite(n)) throw new Error(`${what}: a number is needed`);
    return n;
  };
  const webhooks = d.webhooks
    .split("\n")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (webhooks.length > MAX_WEBHOOKS) throw new Error(`webhooks: at most ${MAX_WEBHOOKS}`);
  webhooks.forEach((u, i) => {
    const p = webhookProblem(u);
    if (p !== undefined) throw new Error(`webhooks.${i}: ${p}`);
  });
  const body: Omit<AlertRuleInput, "id"> = {
    title: d.title.trim(),
    series: d.series.trim(),
    op: d.op,
    threshold: num(d.threshold, "threshold"),
    forSec: num(d.forSec, "forSec"),
    reduce: d.reduce,
    windowSec: num(d.windowSec, "windowSec"),
    webhooks,
  };
  if (d.dashboard.trim()) body.dashboard = d.dashboard.trim();
  if (d.panel.trim()) body.panel = d.panel.trim();
  return body;
}

/** A labelled input bound to `d[key]`. */
function field(d: Draft, key: keyof Draft, label: string, attrs: Record<string, string> = {}): HTMLElement {
  const onInput = (e: Event) => {
    (d as unknown as Record<string, string>)[key] = (e.target as HTMLInputElement).value;
  };
  const control =
    key === "webhooks"
      ? h("textarea", { class: "input", rows: 2, "data-testid": `rule-${key}`, oninput: onInput, ...attrs }, d[key])
      : h("input", { class: "input", value: d[key], "data-testid": `rule-${key}`, oninput: onInput, ...attrs });
  return h("label", { class: "field" }, h("span", { class: "field__label" }, label), control);
}

/** A labelled select bound to `d[key]`. */
function choice(d: Draft, key: "op" | "reduce", label: string, options: readonly string[]): HTMLElement {
  return h(
    "label",
    { class: "field" },
    h("span", { class: "field__label" }, label),
    h(
      "select",
      {
        class: "input",
        "data-testid": `rule-${key}`,
        onchange: (e) => {
          (d as unknown as Record<string, string>)[key] = (e.target as HTMLSelectElement).value;
        },
      },
      options.map((o) => h("option", { value: o, selected: d[key] === o }, o)),
    ),
  );
}

/**
 * The form that creates (`id` null) or edits a threshold rule: series, above/below a value, for
 * N seconds, the window's reduction, where its state shows, webhook URLs (one a line). An edit
 * reads the rule with its version and writes it back with `If-Match`, so a rule changed
 * elsewhere meanwhile is not overwritten. `done` runs after a save or a cancel.
 */
export function ruleForm(
  id: string | null,
  done: (saved: boolean) => void,
  preset: Partial<AlertRuleInput> = {},
): HTMLElement {
  const root = h("form", { class: "rule-form panel-editor", "data-testid": "rule-form" });
  const errors = h("div", { "data-testid": "rule-errors" });
  let etag = "";
  const render = (d: Draft) => {
    const save = h("button", { type: "submit", class: "btn btn--primary", "data-testid": "rule-save" }, "Save rule");
    root.onsubmit = (e) => {
      e.preventDefault();
      let body: Omit<AlertRuleInput, "id">;
      try {
        body = ruleBody(d);
      } catch (err) {
        replaceChildren(errors, h("p", { class: "form-error" }, (err as Error).message));
        return;
      }
      save.disabled = true;
      saveAlert(body, id, etag).then(
        () => done(true),
        (err: unknown) => {
          save.disabled = false;
          const e = err instanceof ApiError ? err : null;
          const msg =
            e?.status === STALE_WRITE
              ? "This rule was changed elsewhere since you opened it: cancel and edit it again."
              : (err as Error).message;
          replaceChildren(
            errors,
            h(
              "div",
              { class: "form-error" },
              msg,
              e && e.fields.length > 1
                ? h(
                    "ul",
                    null,
                    e.fields.map((f) => h("li", null, `${f.path}: ${f.message}`)),
                  )
                : null,
            ),
          );
        },
      );
    };
    replaceChildren(
      root,
      h("h2", null, id === null ? "New alert rule" : `Edit ${id}`),
      errors,
      h(
        "div",
        { class: "row row--wrap rule-form__row" },
        field(d, "title", "Title", { required: "" }),
        field(d, "series", "Series", { placeholder: "cpu.usage,host=web-1", spellcheck: "false" }),
      ),
      h(
        "div",
        { class: "row row--wrap rule-form__row" },
        choice(d, "op", "When the value is", ["above", "below"]),
        field(d, "threshold", "Threshold", { type: "number", step: "any" }),
        field(d, "forSec", "For (seconds)", { type: "number", min: "0", step: "1" }),
        choice(d, "reduce", "Of the window's", ["last", "mean", "min", "max"]),
        field(d, "windowSec", "Window (seconds)", { type: "number", min: "1", max: "900", step: "1" }),
      ),
      h(
        "div",
        { class: "row row--wrap rule-form__row" },
        field(d, "dashboard", "Dashboard (optional)"),
        field(d, "panel", "Panel (optional)"),
      ),
      field(d, "webhooks", "Webhook URLs (one a line; hosts the server allows)", {
        placeholder: "https://hooks.example.com/…",
        spellcheck: "false",
      }),
      h(
        "div",
        { class: "row" },
        save,
        h(
          "button",
          { type: "button", class: "btn btn--ghost", "data-testid": "rule-cancel", onclick: () => done(false) },
          "Cancel",
        ),
      ),
    );
  };
  if (id === null) render(draftOf(preset));
  else {
    replaceChildren(root, h("p", { class: "muted" }, "Loading…"));
    getAlertVersioned(id).then(
      (v) => {
        etag = v.etag;
        render(draftOf(v.rule));
      },
      (err: unknown) => replaceChildren(root, h("p", { class: "form-error" }, (err as Error).message)),
    );
  }
  return root;
}
