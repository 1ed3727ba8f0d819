import { type AlertEntry, type AlertEvent, alertHistory, ApiError, deleteAlert, getAlertVersioned } from "../api.js";
import { h, replaceChildren } from "../dom.js";
import { formatAge, formatTime, formatValue } from "../format.js";
import type { AppContext, Unmount } from "../pages/app-context.js";
import { pageHead, placeholder } from "../pages/page-state.js";
import { AlertBoard } from "./alert-board.js";
import { ruleForm } from "./rule-form.js";

/** Transitions shown at most in the history table (older pages are read on demand up to this). */
export const MAX_HISTORY_ROWS = 1000;
/** Transitions read per page of history. */
const HISTORY_PAGE = 50;

/** One transition as the history shows it. */
interface Row {
  rule: string;
  at: number;
  from: string;
  to: string;
  value: number | null;
}

/** A table with a head row of `headers` and `body`. */
function headedTable(headers: readonly string[], body: HTMLElement): HTMLElement {
  return h(
    "table",
    { class: "table" },
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        headers.map((t) => h("th", null, t)),
      ),
    ),
    body,
  );
}

/** A state as a badge. */
function stateBadge(state: string): HTMLElement {
  return h("span", { class: "panel__alert", "data-state": state, "data-testid": "alert-state" }, state);
}

/** The condition of a rule in words: `mean of 10 s above 250 for 30 s`. */
function condition(e: AlertEntry): string {
  const r = e.rule;
  const of = r.reduce === "last" ? "last value" : `${r.reduce} of ${r.windowSec} s`;
  return `${of} ${r.op} ${r.threshold}${r.forSec > 0 ? ` for ${r.forSec} s` : ""}`;
}

/**
 * The alerts page (`#/alerts`): every rule with its current state and since when, live (the
 * `alerts` topic); new, edit and delete; and the history of transitions, newest first, paged
 * from the API, with live transitions added at the top.
 */
export function mountAlerts(root: HTMLElement, app: AppContext): Unmount {
  let gone = false;
  app.shell.setCrumbs([["Dashboards", "#/"], ["Alerts"]]);
  app.shell.setOnline(null);
  document.title = "Alerts · dashwire";
  const board = new AlertBoard(app.conn.client);
  const formSlot = h("div", { class: "rule-form-slot" });
  const table = h("div", { class: "alerts-table" }, placeholder("Loading…"));
  const historyBody = h("tbody", { "data-testid": "alert-history" });
  const more = h(
    "button",
    { type: "button", class: "btn btn--ghost btn--sm", hidden: true, "data-testid": "history-more" },
    "Older",
  );
  const rows: Row[] = [];
  let next: number | undefined;

  const closeForm = (saved: boolean) => {
    replaceChildren(formSlot);
    if (saved) board.refresh();
  };
  const openForm = (id: string | null) => replaceChildren(formSlot, ruleForm(id, closeForm));

  const remove = (e: AlertEntry, button: HTMLButtonElement) => {
    if (!confirm(`Delete the alert rule "${e.rule.title}"?`)) return;
    button.disabled = true;
    getAlertVersioned(e.rule.id)
      .then((v) => deleteAlert(e.rule.id, v.etag))
      .then(
        () => board.refresh(),
        (err: unknown) => {
          button.disabled = false;
          button.title = err instanceof ApiError ? err.message : String(err);
          button.textContent = "Delete failed";
        },
      );
  };

  const renderRules = () => {
    const list = board.list();
    const now = Date.now();
    if (list.length === 0) {
      replaceChildren(
        table,
        board.error
          ? placeholder("Could not load the rules", board.error)
          : placeholder("No alert rules yet", "A rule watches one series against a threshold."),
      );
      return;
    }
    replaceChildren(
      table,
      board.error ? h("p", { class: "form-error" }, board.error) : null,
      headedTable(
        ["State", "Rule", "Series", "Condition", "Value", "Since", ""],
        h(
          "tbody",
          null,
          list.map((e) => {
            const del: HTMLButtonElement = h(
              "button",
              {
                type: "button",
                class: "btn btn--danger-ghost btn--sm",
                "data-testid": "rule-delete",
                onclick: () => remove(e, del),
              },
              "Delete",
            );
            const since =
              e.status.evaluatedAt === null
                ? "not evaluated yet"
                : `${formatAge(now - e.status.since)} (${formatTime(e.status.since)})`;
            return h(
              "tr",
              { "data-testid": "alert-rule", "data-id": e.rule.id, "data-state": e.status.state },
              h("td", null, stateBadge(e.status.state)),
              h(
                "td",
                null,
                e.rule.title,
                e.rule.dashboard
                  ? h(
                      "a",
                      { class: "muted small", href: `#/d/${encodeURIComponent(e.rule.dashboard)}` },
                      ` · ${e.rule.dashboard}`,
                    )
                  : null,
              ),
              h("td", { class: "mono small" }, e.rule.series),
              h("td", null, condition(e)),
              h("td", { "data-testid": "alert-value" }, formatValue(e.status.value)),
              h("td", { class: "small", "data-testid": "alert-since" }, since),
              h(
                "td",
                null,
                h(
                  "div",
                  { class: "row" },
                  h(
                    "button",
                    {
                      type: "button",
                      class: "btn btn--ghost btn--sm",
                      "data-testid": "rule-edit",
                      onclick: () => openForm(e.rule.id),
                    },
                    "Edit",
                  ),
                  del,
                ),
              ),
            );
          }),
        ),
      ),
    );
  };

  const historyRow = (r: Row) =>
    h(
      "tr",
      { "data-testid": "alert-transition", "data-rule": r.rule, "data-to": r.to },
      h("td", { class: "small" }, formatTime(r.at)),
      h("td", null, r.rule),
      h("td", null, stateBadge(r.from), " → ", stateBadge(r.to)),
      h("td", null, formatValue(r.value)),
    );
  const renderHistory = () => {
    replaceChildren(
      historyBody,
      rows.length ? rows.map(historyRow) : h("tr", null, h("td", { colspan: 4, class: "muted" }, "No transitions yet")),
    );
    more.hidden = next === undefined || rows.length >= MAX_HISTORY_ROWS;
  };
  const readHistory = (before?: number) => {
    more.disabled = true;
    alertHistory({ before, limit: HISTORY_PAGE }).then(
      (page) => {
        if (gone) return;
        more.disabled = false;
        // A transition heard live may also be in the page read: each (rule, at) once.
        const seen = new Set(rows.map((r) => `${r.rule}@${r.at}`));
        for (const t of page.transitions) if (!seen.has(`${t.rule}@${t.at}`)) rows.push(t);
        rows.sort((a, b) => b.at - a.at);
        rows.length = Math.min(rows.length, MAX_HISTORY_ROWS);
        next = page.next;
        renderHistory();
      },
      (err: unknown) => {
        if (gone) return;
        more.disabled = false;
        replaceChildren(
          historyBody,
          h("tr", null, h("td", { colspan: 4, class: "form-error" }, (err as Error).message)),
        );
      },
    );
  };
  more.onclick = () => readHistory(next);

  const onEvent = (event: AlertEvent | null) => {
    renderRules();
    if (event === null) return;
    if (!rows.some((r) => r.rule === event.rule && r.at === event.at)) {
      rows.unshift({ rule: event.rule, at: event.at, from: event.from, to: event.to, value: event.value });
      rows.length = Math.min(rows.length, MAX_HISTORY_ROWS);
      renderHistory();
    }
  };
  board.onChange(onEvent);
  // "Since" ages: redrawn every 10 s.
  const tick = setInterval(renderRules, 10_000);

  replaceChildren(
    root,
    pageHead(
      "Alerts",
      "Threshold rules on series: ok → pending → firing → resolved, live.",
      h(
        "button",
        { type: "button", class: "btn btn--primary", "data-testid": "new-rule", onclick: () => openForm(null) },
        "+ New rule",
      ),
    ),
    formSlot,
    table,
    h("h2", { class: "section-title" }, "History"),
    headedTable(["When", "Rule", "Transition", "Value"], historyBody),
    more,
  );
  board.start();
  readHistory();
  return () => {
    gone = true;
    clearInterval(tick);
    board.stop();
  };
}
