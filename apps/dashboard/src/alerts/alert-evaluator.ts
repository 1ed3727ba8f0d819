/**
 * Evaluates the alert rules once per node set. Every node runs this loop; at each round (every
 * `evalMs`) it asks the store for the `alerts` lease, and only the holder evaluates: it reads the
 * rules and their stored states, reads each rule's window of 1-second buckets, steps the state
 * machine (`alert-state.ts`), and writes the round (states, transitions, webhook deliveries) in
 * one transaction fenced by its token. A node that lost the lease meanwhile writes nothing, so
 * no transition is recorded or notified twice. After a written round it publishes each
 * transition on the `alerts` topic (urgent) and starts the webhook deliveries. A holder that
 * dies is replaced when its lease expires (`leaseTtlMs`); one that stops cleanly releases it.
 */
import { randomUUID } from "node:crypto";
import type { AlertRound, AlertStateRow } from "../store/alert-store.js";
import type { LeaseGrant } from "../store/lease.js";
import type { Store } from "../store/store.js";
import { zodMessage } from "../zod-message.js";
import { type AlertEvent, type AlertRule, alertRuleSchema } from "./alert-rule-schema.js";
import { initialState, nextState, notifies, reduceBuckets } from "./alert-state.js";
import type { WebhookSender } from "./webhook-sender.js";

/** The lease the evaluating node holds. */
export const ALERTS_LEASE = "alerts";

/** Options of `AlertEvaluator`. */
export interface AlertEvaluatorOptions {
  /** Period of the rounds, ms (1,000–10,000). */
  evalMs: number;
  /** How long a holder keeps the lease without renewing it, ms (renewed every round). */
  leaseTtlMs: number;
  /** Transitions kept in the history. */
  maxHistory: number;
  /** Webhook deliveries queued at most; past it the oldest are dropped. */
  maxQueue: number;
}

/** What the evaluator needs. */
export interface AlertEvaluatorDeps {
  store: Store;
  /** This instance's name as a lease holder (unique per process). */
  holder: string;
  sender: WebhookSender;
  /** Publishes a transition on the alerts topic. */
  publish(event: AlertEvent): void;
  now: () => number;
  warn(message: string, err?: unknown): void;
}

/** What the evaluator counted. */
export interface AlertEvaluatorStats {
  /** Rounds this process evaluated and wrote (as the holder). */
  rounds: number;
  /** Rounds another process held the lease (this one stood by). */
  standby: number;
  /** Rounds refused by the fence (the lease moved on during the round). */
  fenced: number;
  /** Rounds that failed (the store could not be read or written). */
  errors: number;
  /** Transitions written. */
  transitions: number;
  /** Webhook deliveries dropped because the queue was full. */
  dropped: number;
  /** Deliveries queued after the last round this process wrote. */
  queued: number;
}

/** The lease TTL for a round period: three rounds, at least 3 s. */
export function leaseTtlFor(evalMs: number): number {
  return Math.max(3 * evalMs, 3000);
}

/** The JSON body of a webhook delivery. */
export function webhookBody(delivery: string, rule: AlertRule, event: AlertEvent): string {
  const { webhooks: _, ...summary } = rule;
  return JSON.stringify({
    delivery,
    rule: summary,
    from: event.from,
    to: event.to,
    value: event.value,
    at: event.at,
  });
}

/** The alerts loop of one process; see the file comment. */
export class AlertEvaluator {
  readonly stats: AlertEvaluatorStats = {
    rounds: 0,
    standby: 0,
    fenced: 0,
    errors: 0,
    transitions: 0,
    dropped: 0,
    queued: 0,
  };
  private grant: LeaseGrant | undefined;
  private grantedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  /** Invalid stored rules already reported (id@version), so the log gets each once. */
  private readonly reported = new Set<string>();

  constructor(
    private readonly options: AlertEvaluatorOptions,
    private readonly deps: AlertEvaluatorDeps,
  ) {}

  /** Whether this process holds the lease (as of its last round, and not past the TTL since). */
  get holding(): boolean {
    return this.grant !== undefined && this.deps.now() - this.grantedAt < this.options.leaseTtlMs;
  }

  /** Starts the rounds (the first at once). */
  start(): void {
    this.schedule(0);
  }

  /** Runs one round now (tests; the loop calls it every `evalMs`). */
  round(): Promise<void> {
    this.running ??= this.evaluate().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Stops the rounds, waits for the one running and the deliveries in flight, and releases the lease. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
    await this.deps.sender.idle();
    if (this.grant !== undefined) {
      this.grant = undefined;
      await this.deps.store.leases
        .release(ALERTS_LEASE, this.deps.holder)
        .catch((err: unknown) => this.deps.warn("releasing the alerts lease failed", err));
    }
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.round().finally(() => this.schedule(this.options.evalMs));
    }, delayMs);
  }

  private async evaluate(): Promise<void> {
    const { store, holder } = this.deps;
    try {
      const asked = this.deps.now();
      this.grant = await store.leases.acquire(ALERTS_LEASE, holder, this.options.leaseTtlMs);
      this.grantedAt = asked;
      if (this.grant === undefined) this.stats.standby++;
      if (this.grant === undefined || this.closed) return;
      const round = await this.step();
      const fence = this.grant;
      const result = await store.alerts.saveRound(fence, round.write, this.options);
      if (!result.ok) {
        this.stats.fenced++;
        this.grant = undefined;
        return;
      }
      this.stats.rounds++;
      this.stats.transitions += round.events.length;
      this.stats.dropped += result.dropped;
      if (result.dropped > 0) this.deps.warn(`webhook queue full: ${result.dropped} oldest deliveries dropped`);
      for (const event of round.events) this.deps.publish(event);
      this.stats.queued = await store.alerts.queuedWebhooks();
      this.deps.sender.kick();
    } catch (err) {
      this.stats.errors++;
      this.deps.warn("alert round failed", err);
    }
  }

  /** Reads the rules, their states and windows, and computes the round. */
  private async step(): Promise<{ write: AlertRound; events: AlertEvent[] }> {
    const { store } = this.deps;
    const now = this.deps.now();
    const [docs, stored] = await Promise.all([store.alerts.rules.list(), store.alerts.states()]);
    const previous = new Map(stored.map((s) => [s.rule, s]));
    const closedUntil = Math.floor(now / 1000) * 1000;
    const write: AlertRound = { states: [], transitions: [], webhooks: [] };
    const events: AlertEvent[] = [];
    for (const doc of docs) {
      const rule = this.parse(doc.id, doc.version, doc.body);
      if (rule === undefined) continue;
      const prev = previous.get(rule.id) ?? initialState(now);
      const from = closedUntil - rule.windowSec * 1000;
      const buckets = await store.query(rule.series, 0, from, closedUntil, rule.windowSec + 1);
      const value = reduceBuckets(buckets, rule.reduce);
      const next = nextState(rule, prev, value, now);
      const row: AlertStateRow = { rule: rule.id, state: next.state, since: next.since, value, evaluatedAt: now };
      write.states.push(row);
      if (next.state === prev.state) continue;
      const event: AlertEvent = {
        rule: rule.id,
        title: rule.title,
        series: rule.series,
        from: prev.state,
        to: next.state,
        value,
        at: now,
      };
      if (rule.dashboard !== undefined) event.dashboard = rule.dashboard;
      if (rule.panel !== undefined) event.panel = rule.panel;
      events.push(event);
      write.transitions.push({ rule: rule.id, at: now, from: prev.state, to: next.state, value });
      if (!notifies(next.state)) continue;
      for (const url of rule.webhooks) {
        const delivery = randomUUID();
        write.webhooks.push({ delivery, rule: rule.id, url, body: webhookBody(delivery, rule, event), nextAt: now });
      }
    }
    return { write, events };
  }

  private parse(id: string, version: number, body: string): AlertRule | undefined {
    let problem: string;
    try {
      const r = alertRuleSchema.safeParse(JSON.parse(body));
      if (r.success) return r.data;
      problem = zodMessage(r.error);
    } catch (err) {
      problem = `not JSON (${(err as Error).message})`;
    }
    const key = `${id}@${version}`;
    if (this.reported.size >= 1000) this.reported.clear();
    if (!this.reported.has(key)) {
      this.reported.add(key);
      this.deps.warn(`stored alert rule ${id} is invalid (${problem}); skipped`);
    }
    return undefined;
  }
}
