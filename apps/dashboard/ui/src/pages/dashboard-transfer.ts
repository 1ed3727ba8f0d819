import { ApiError, createDashboard, type Dashboard, getDashboard } from "../api.js";
import { h, replaceChildren } from "../dom.js";

/** The JSON a dashboard is exported as: the API's own shape (what `GET /api/v1/dashboards/<id>` answers), indented. */
export function exportJson(d: Dashboard): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}

/** Saves `d` as `<id>.json` (a download made in the page: nothing goes to the server). */
export function downloadDashboard(d: Dashboard): void {
  const url = URL.createObjectURL(new Blob([exportJson(d)], { type: "application/json" }));
  const a = h("a", { href: url, download: `${d.id}.json`, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A copy of `d` to create: every field but the id (the server makes a new one from the title). */
export function copyOf(d: Dashboard): Omit<Dashboard, "id"> {
  const { id: _id, ...rest } = d;
  return { ...rest, title: `${d.title} (copy)` };
}

/** Reads dashboard `id` and stores a copy under a new id; resolves with the copy. */
export async function duplicateDashboard(id: string): Promise<Dashboard> {
  return createDashboard(copyOf(await getDashboard(id)));
}

/** Why an import failed, as lines: every field the server named, or its message. */
export function importErrors(err: unknown): string[] {
  if (err instanceof ApiError && err.fields.length > 0)
    return err.fields.map((f) => (f.path === "" ? f.message : `${f.path}: ${f.message}`));
  return [err instanceof Error ? err.message : String(err)];
}

/**
 * The import form: a dashboard's JSON pasted or read from a file, created through the API (which
 * validates it and lists every field at fault). An id already taken can be imported as a copy
 * (a new id made from its title). `onImported` gets the stored dashboard.
 */
export function importForm(onImported: (d: Dashboard) => void, onCancel: () => void): HTMLElement {
  const text = h("textarea", {
    class: "input import__text",
    rows: 12,
    spellcheck: "false",
    placeholder: '{ "id": "…", "title": "…", "panels": [ … ] }',
    "aria-label": "Dashboard JSON",
    "data-testid": "import-text",
  });
  const file = h("input", {
    type: "file",
    accept: "application/json,.json",
    "aria-label": "Dashboard file",
    "data-testid": "import-file",
    onchange: async () => {
      const f = file.files?.[0];
      if (f) text.value = await f.text();
    },
  });
  const errors = h("ul", {
    class: "form-error import__errors",
    role: "alert",
    hidden: true,
    "data-testid": "import-errors",
  });
  const actions = h("div", { class: "row" });
  const showErrors = (lines: string[], extra?: HTMLElement) => {
    replaceChildren(
      errors,
      lines.map((l) => h("li", null, l)),
    );
    errors.hidden = false;
    replaceChildren(actions, submit, extra ?? null, cancel);
  };
  const send = async (body: unknown) => {
    submit.disabled = true;
    try {
      onImported(await createDashboard(body));
    } catch (err) {
      const taken =
        err instanceof ApiError && err.status === 409 && typeof body === "object" && body !== null && "id" in body;
      const asCopy = h(
        "button",
        {
          type: "button",
          class: "btn",
          "data-testid": "import-copy",
          onclick: () => {
            const { id: _id, ...rest } = body as Record<string, unknown>;
            void send(rest);
          },
        },
        "Import with a new id",
      );
      showErrors(importErrors(err), taken ? asCopy : undefined);
    } finally {
      submit.disabled = false;
    }
  };
  const submit = h("button", { type: "submit", class: "btn btn--primary", "data-testid": "import-submit" }, "Import");
  const cancel = h("button", { type: "button", class: "btn btn--ghost", onclick: onCancel }, "Cancel");
  replaceChildren(actions, submit, cancel);
  return h(
    "form",
    {
      class: "import",
      "data-testid": "import-form",
      onsubmit: (e) => {
        e.preventDefault();
        let body: unknown;
        try {
          body = JSON.parse(text.value);
        } catch (err) {
          showErrors([`Not JSON: ${(err as Error).message}`]);
          return;
        }
        void send(body);
      },
    },
    h("h2", null, "Import a dashboard"),
    h("p", { class: "muted small" }, "Paste its JSON (what Export saves, or what the API answers), or pick a file."),
    file,
    text,
    errors,
    actions,
  );
}
