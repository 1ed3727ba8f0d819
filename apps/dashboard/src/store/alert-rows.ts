/** Rows of the alert tables as both engines read them, and their conversions. */
import type { AlertStateName, AlertStateRow, AlertTransition, WebhookDelivery } from "./alert-store.js";

/** A row of `alert_states`. */
export interface StateRow {
  rule: string;
  state: AlertStateName;
  since: number;
  value: number | null;
  evaluated_at: number;
}

/** A row of `alert_history`. */
export interface HistoryRow {
  seq: number;
  rule: string;
  at: number;
  from_state: AlertStateName;
  to_state: AlertStateName;
  value: number | null;
}

/** A row of `webhook_outbox`. */
export interface OutboxRow {
  seq: number;
  delivery: string;
  rule: string;
  url: string;
  body: string;
  attempts: number;
  next_at: number;
}

/** Converts a stored state row (both engines). */
export function stateOfRow(r: StateRow): AlertStateRow {
  return { rule: r.rule, state: r.state, since: r.since, value: r.value, evaluatedAt: r.evaluated_at };
}

/** Converts a stored history row (both engines). */
export function transitionOfRow(r: HistoryRow): AlertTransition {
  return { seq: r.seq, rule: r.rule, at: r.at, from: r.from_state, to: r.to_state, value: r.value };
}

/** Converts a stored outbox row (both engines). */
export function deliveryOfRow(r: OutboxRow): WebhookDelivery {
  return {
    seq: r.seq,
    delivery: r.delivery,
    rule: r.rule,
    url: r.url,
    body: r.body,
    attempts: r.attempts,
    nextAt: r.next_at,
  };
}
