/** `AlertStore` on PostgreSQL (see `alert-store.ts`). */
import type pg from "pg";
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
import { PgDocs } from "./pg-docs.js";
import type { PgLeases } from "./pg-leases.js";
import { pgRows, pgTx } from "./pg-tx.js";

/** The alerts of a PostgreSQL store. */
export class PgAlerts implements AlertStore {
  readonly rules: PgDocs;

  constructor(
    private readonly pool: pg.Pool,
    private readonly leases: PgLeases,
  ) {
    this.rules = new PgDocs(pool, "alert_rules");
  }

  async states(): Promise<AlertStateRow[]> {
    const rows = await pgRows<StateRow>(
      this.pool,
      'SELECT rule, state, since, value, evaluated_at FROM alert_states ORDER BY rule COLLATE "C"',
    );
    return rows.map(stateOfRow);
  }

  async saveRound(fence: Fence, round: AlertRound, limits: AlertRoundLimits): Promise<AlertRoundResult> {
    return pgTx(this.pool, async (c): Promise<AlertRoundResult> => {
      if (!(await this.leases.holds(c, fence))) return { ok: false };
      const s = round.states;
      await c.query("DELETE FROM alert_states");
      if (s.length > 0)
        await c.query(
          `INSERT INTO alert_states SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::float8[], $5::bigint[])`,
          [
            s.map((x) => x.rule),
            s.map((x) => x.state),
            s.map((x) => x.since),
            s.map((x) => x.value),
            s.map((x) => x.evaluatedAt),
          ],
        );
      const t = round.transitions;
      if (t.length > 0) {
        await c.query(
          `INSERT INTO alert_history (rule, at, from_state, to_state, value)
             SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::float8[])`,
          [t.map((x) => x.rule), t.map((x) => x.at), t.map((x) => x.from), t.map((x) => x.to), t.map((x) => x.value)],
        );
        await c.query("DELETE FROM alert_history WHERE seq <= (SELECT max(seq) FROM alert_history) - $1", [
          limits.maxHistory,
        ]);
      }
      const w = round.webhooks;
      if (w.length > 0)
        await c.query(
          `INSERT INTO webhook_outbox (delivery, rule, url, body, attempts, next_at)
             SELECT d, r, u, b, 0, n FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[]) AS x(d, r, u, b, n)`,
          [
            w.map((x) => x.delivery),
            w.map((x) => x.rule),
            w.map((x) => x.url),
            w.map((x) => x.body),
            w.map((x) => x.nextAt),
          ],
        );
      const dropped = await c.query(
        `DELETE FROM webhook_outbox WHERE seq IN (
           SELECT seq FROM webhook_outbox ORDER BY seq
            LIMIT greatest(0, (SELECT count(*) FROM webhook_outbox) - $1))`,
        [limits.maxQueue],
      );
      return { ok: true, dropped: dropped.rowCount ?? 0 };
    });
  }

  async history(q: AlertHistoryQuery): Promise<AlertTransition[]> {
    const rows = await pgRows<HistoryRow>(
      this.pool,
      `SELECT seq, rule, at, from_state, to_state, value FROM alert_history
        WHERE ($1::text IS NULL OR rule = $1) AND at >= $2 AND at < $3 AND seq < $4 ORDER BY seq DESC LIMIT $5`,
      [q.rule ?? null, q.from ?? 0, q.to ?? Number.MAX_SAFE_INTEGER, q.before ?? Number.MAX_SAFE_INTEGER, q.limit],
    );
    return rows.map(transitionOfRow);
  }

  async dueWebhooks(nowMs: number, limit: number): Promise<WebhookDelivery[]> {
    const rows = await pgRows<OutboxRow>(
      this.pool,
      "SELECT * FROM webhook_outbox WHERE next_at <= $1 ORDER BY seq LIMIT $2",
      [nowMs, limit],
    );
    return rows.map(deliveryOfRow);
  }

  async settleWebhook(seq: number, retry?: { attempts: number; nextAt: number }): Promise<void> {
    if (retry === undefined) await pgRows(this.pool, "DELETE FROM webhook_outbox WHERE seq = $1", [seq]);
    else
      await pgRows(this.pool, "UPDATE webhook_outbox SET attempts = $1, next_at = $2 WHERE seq = $3", [
        retry.attempts,
        retry.nextAt,
        seq,
      ]);
  }

  async queuedWebhooks(): Promise<number> {
    return (await pgRows<{ n: number }>(this.pool, "SELECT count(*)::int AS n FROM webhook_outbox"))[0]?.n ?? 0;
  }
}
