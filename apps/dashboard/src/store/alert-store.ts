/**
 * What the store keeps for alerts: the rules (versioned documents, like dashboards), each rule's
 * current state, the history of transitions (bounded), and the webhook outbox (a bounded queue
 * of deliveries). The evaluator writes a round's states, transitions and deliveries in one
 * transaction fenced by the alerts lease, so a node that lost the lease writes nothing.
 */
import type { DocTable } from "./doc-table.js";
import type { Fence } from "./lease.js";

/** States of an alert rule: ok → pending → firing → resolved → ok. */
export const alertStates = ["ok", "pending", "firing", "resolved"] as const;
/** A state of an alert rule. */
export type AlertStateName = (typeof alertStates)[number];

/** A rule's state as stored after a round. */
export interface AlertStateRow {
  rule: string;
  state: AlertStateName;
  /** When the rule entered `state` (ms). */
  since: number;
  /** The value the rule last saw (null: no data in its window). */
  value: number | null;
  /** When the round that wrote it ran (ms). */
  evaluatedAt: number;
}

/** One transition as the history keeps it. */
export interface AlertTransition {
  /** Position in the history (grows; the API's cursor). */
  seq: number;
  rule: string;
  /** When it happened (ms). */
  at: number;
  from: AlertStateName;
  to: AlertStateName;
  value: number | null;
}

/** A webhook delivery waiting in the outbox. */
export interface WebhookDelivery {
  seq: number;
  /** Unique id of the delivery, sent as `x-dashwire-delivery` (receivers dedupe retries by it). */
  delivery: string;
  rule: string;
  url: string;
  /** The JSON body, sent as is at every attempt. */
  body: string;
  /** Attempts made so far. */
  attempts: number;
  /** Not before this time (ms). */
  nextAt: number;
}

/** What one evaluation round writes. */
export interface AlertRound {
  /** Every rule's state after the round: replaces the stored states. */
  states: AlertStateRow[];
  /** The round's transitions, appended to the history. */
  transitions: Array<Omit<AlertTransition, "seq">>;
  /** Deliveries to queue. */
  webhooks: Array<Omit<WebhookDelivery, "seq" | "attempts">>;
}

/** Bounds a round keeps: past them the oldest history rows and queued deliveries go. */
export interface AlertRoundLimits {
  maxHistory: number;
  maxQueue: number;
}

/** Outcome of `saveRound`: refused (the fence moved on: nothing written) or written. */
export type AlertRoundResult = { ok: false } | { ok: true /** Queued deliveries dropped for room. */; dropped: number };

/** Which transitions `history` returns: newest first. */
export interface AlertHistoryQuery {
  rule?: string;
  /** Only transitions at or after (ms). */
  from?: number;
  /** Only transitions before (ms). */
  to?: number;
  /** Only those with `seq` below (the cursor of the previous page). */
  before?: number;
  limit: number;
}

/** The alerts part of a store. */
export interface AlertStore {
  /** The rules, as versioned JSON documents. */
  readonly rules: DocTable;
  /** Every rule's stored state. */
  states(): Promise<AlertStateRow[]>;
  /** Writes a round in one transaction if `fence` still holds the lease (see the file comment). */
  saveRound(fence: Fence, round: AlertRound, limits: AlertRoundLimits): Promise<AlertRoundResult>;
  /** Transitions, newest first. */
  history(query: AlertHistoryQuery): Promise<AlertTransition[]>;
  /** Deliveries due at `nowMs`, oldest first, at most `limit`. */
  dueWebhooks(nowMs: number, limit: number): Promise<WebhookDelivery[]>;
  /** After an attempt: `retry` reschedules it, undefined removes it (delivered, or given up). */
  settleWebhook(seq: number, retry?: { attempts: number; nextAt: number }): Promise<void>;
  /** Deliveries queued. */
  queuedWebhooks(): Promise<number>;
}
