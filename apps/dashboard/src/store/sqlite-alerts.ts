/** `AlertStore` on SQLite (see `alert-store.ts`). */
import type Database from "better-sqlite3";
import {
  deliveryOfRow,
  type HistoryRow,
  type OutboxRow,
  type StateRow,
  stateOfRow,
  transitionOfRow,
} from "./alert-rows.js";
import type {
  AlertHistoryQuery,
  AlertRound,
  AlertRoundLimits,
  AlertRoundResult,
  AlertStateRow,
  AlertStore,
  AlertTransition,
  WebhookDelivery,
} from "./alert-store.js";
import type { Fence } from "./lease.js";
import { SqliteDocs } from "./sqlite-docs.js";
import { sqliteFailure } from "./sqlite-failure.js";
import type { SqliteLeases } from "./sqlite-leases.js";

/** The alerts of a SQLite store. */
export class SqliteAlerts implements AlertStore {
  readonly rules: SqliteDocs;
  private readonly st;

  constructor(
    private readonly db: Database.Database,
    private readonly leases: SqliteLeases,
  ) {
    this.rules = new SqliteDocs(db, "alert_rules");
    this.st = {
      states: db.prepare<[], StateRow>(
        "SELECT rule, state, since, value, evaluated_at FROM alert_states ORDER BY rule",
      ),
      clearStates: db.prepare("DELETE FROM alert_states"),
      putState: db.prepare("INSERT INTO alert_states VALUES (?, ?, ?, ?, ?)"),
      addHistory: db.prepare(
        "INSERT INTO alert_history (rule, at, from_state, to_state, value) VALUES (?, ?, ?, ?, ?)",
      ),
      trimHistory: db.prepare("DELETE FROM alert_history WHERE seq <= (SELECT max(seq) FROM alert_history) - ?"),
      history: db.prepare<[string | null, string | null, number, number, number, number], HistoryRow>(
        `SELECT seq, rule, at, from_state, to_state, value FROM alert_history
          WHERE (? IS NULL OR rule = ?) AND at >= ? AND at < ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
      ),
      queue: db.prepare(
        "INSERT INTO webhook_outbox (delivery, rule, url, body, attempts, next_at) VALUES (?, ?, ?, ?, 0, ?)",
      ),
      queued: db.prepare("SELECT count(*) FROM webhook_outbox").pluck(),
      dropOldest: db.prepare(
        "DELETE FROM webhook_outbox WHERE seq IN (SELECT seq FROM webhook_outbox ORDER BY seq LIMIT ?)",
      ),
      due: db.prepare<[number, number], OutboxRow>(
        "SELECT * FROM webhook_outbox WHERE next_at <= ? ORDER BY seq LIMIT ?",
      ),
      retry: db.prepare("UPDATE webhook_outbox SET attempts = ?, next_at = ? WHERE seq = ?"),
      settle: db.prepare("DELETE FROM webhook_outbox WHERE seq = ?"),
    };
  }

  async states(): Promise<AlertStateRow[]> {
    return this.st.states.all().map(stateOfRow);
  }

  async saveRound(fence: Fence, round: AlertRound, limits: AlertRoundLimits): Promise<AlertRoundResult> {
    const st = this.st;
    try {
      return this.db
        .transaction((): AlertRoundResult => {
          if (!this.leases.holds(fence)) return { ok: false };
          st.clearStates.run();
          for (const s of round.states) st.putState.run(s.rule, s.state, s.since, s.value, s.evaluatedAt);
          for (const t of round.transitions) st.addHistory.run(t.rule, t.at, t.from, t.to, t.value);
          if (round.transitions.length > 0) st.trimHistory.run(limits.maxHistory);
          for (const w of round.webhooks) st.queue.run(w.delivery, w.rule, w.url, w.body, w.nextAt);
          const over = (st.queued.get() as number) - limits.maxQueue;
          const dropped = over > 0 ? st.dropOldest.run(over).changes : 0;
          return { ok: true, dropped };
        })
        .immediate();
    } catch (err) {
      sqliteFailure(err);
    }
  }

  async history(q: AlertHistoryQuery): Promise<AlertTransition[]> {
    const rule = q.rule ?? null;
    const rows = this.st.history.all(
      rule,
      rule,
      q.from ?? 0,
      q.to ?? Number.MAX_SAFE_INTEGER,
      q.before ?? Number.MAX_SAFE_INTEGER,
      q.limit,
    );
    return rows.map(transitionOfRow);
  }

  async dueWebhooks(nowMs: number, limit: number): Promise<WebhookDelivery[]> {
    return this.st.due.all(nowMs, limit).map(deliveryOfRow);
  }

  async settleWebhook(seq: number, retry?: { attempts: number; nextAt: number }): Promise<void> {
    try {
      if (retry === undefined) this.st.settle.run(seq);
      else this.st.retry.run(retry.attempts, retry.nextAt, seq);
    } catch (err) {
      sqliteFailure(err);
    }
  }

  async queuedWebhooks(): Promise<number> {
    return this.st.queued.get() as number;
  }
}
