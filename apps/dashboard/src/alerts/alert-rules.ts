/**
 * Alert rules over the store: validation (the schema, then the webhook policy), ids made from
 * titles, versions for `ETag`/`If-Match` (as dashboards: a stale write gets 412), the rule
 * limit, and the list with each rule's state. Nothing is cached: every node reads the store.
 */
import { expectFor, idFromTitle, type Precondition } from "../dashboards/dashboards.js";
import { ApiError, ApiErrorCode } from "../errors.js";
import type { AlertStateRow } from "../store/alert-store.js";
import type { Store } from "../store/store.js";
import { zodIssues, zodMessage } from "../zod-message.js";
import { type AlertEntry, type AlertRule, alertRuleSchema } from "./alert-rule-schema.js";
import type { WebhookPolicy } from "./webhook-policy.js";

/** A rule and its version (the ETag). */
export interface VersionedRule {
  rule: AlertRule;
  version: number;
}

/** Alert rules CRUD with versions; see the file comment. */
export class AlertRules {
  constructor(
    private readonly store: Store,
    private readonly policy: WebhookPolicy,
    /** Most rules stored. */
    readonly maxRules: number,
  ) {}

  /** Validates a rule body; a 400 names the field at fault. */
  validate(body: unknown): AlertRule {
    const parsed = alertRuleSchema.safeParse(body);
    if (!parsed.success)
      throw new ApiError(400, ApiErrorCode.InvalidField, zodMessage(parsed.error), zodIssues(parsed.error));
    parsed.data.webhooks.forEach((url, i) => {
      const refusal = this.policy.refusal(url);
      if (refusal !== undefined)
        throw new ApiError(400, ApiErrorCode.InvalidField, `webhooks.${i}: ${refusal}`, [
          { path: `webhooks.${i}`, message: refusal },
        ]);
    });
    return parsed.data;
  }

  /** Every rule with its version and state, by id (stored rules that no longer validate are left out). */
  async list(): Promise<AlertEntry[]> {
    const [docs, states] = await Promise.all([this.store.alerts.rules.list(), this.store.alerts.states()]);
    const byRule = new Map(states.map((s) => [s.rule, s]));
    const out: AlertEntry[] = [];
    for (const doc of docs) {
      const rule = parseStored(doc.body);
      if (rule !== undefined) out.push({ rule, version: doc.version, status: statusOf(byRule.get(rule.id)) });
    }
    return out;
  }

  /** One rule and its version. */
  async get(id: string): Promise<VersionedRule | undefined> {
    const doc = await this.store.alerts.rules.get(id);
    const rule = doc === undefined ? undefined : parseStored(doc.body);
    return doc === undefined || rule === undefined ? undefined : { rule, version: doc.version };
  }

  /** Creates a rule; without an id one is made from the title. 409 when the id exists. */
  async create(body: unknown): Promise<VersionedRule> {
    const withId =
      typeof body === "object" && body !== null && !Array.isArray(body) && !("id" in body)
        ? { ...body, id: await this.freshId((body as { title?: unknown }).title) }
        : body;
    const rule = this.validate(withId);
    const w = await this.store.alerts.rules.put(rule.id, JSON.stringify(rule), { kind: "absent" }, this.maxRules);
    if (!w.ok)
      throw w.reason === "limit"
        ? this.limit()
        : new ApiError(409, ApiErrorCode.Conflict, `alert rule ${rule.id} already exists`);
    return { rule, version: w.version };
  }

  /** Creates or replaces `id` if `pre` holds. The body's id, when given, must match. */
  async put(id: string, body: unknown, pre: Precondition): Promise<VersionedRule & { created: boolean }> {
    const withId = typeof body === "object" && body !== null && !Array.isArray(body) ? { id, ...body } : body;
    const rule = this.validate(withId);
    if (rule.id !== id)
      throw new ApiError(400, ApiErrorCode.InvalidField, `id: ${rule.id} does not match the URL (${id})`);
    const expect = expectFor(pre, await this.currentVersion(id, pre));
    const w = await this.store.alerts.rules.put(id, JSON.stringify(rule), expect, this.maxRules);
    if (!w.ok) throw w.reason === "limit" ? this.limit() : stale(id, w.version);
    return { rule, version: w.version, created: w.created };
  }

  /** Deletes `id` if `pre` holds; 404 when there is none. */
  async delete(id: string, pre: Precondition): Promise<void> {
    const current = (await this.store.alerts.rules.get(id))?.version;
    if (current === undefined) throw new ApiError(404, ApiErrorCode.NotFound, `no alert rule ${id}`);
    const w = await this.store.alerts.rules.delete(id, expectFor(pre, current));
    if (!w.ok) throw stale(id, w.version);
  }

  private async currentVersion(id: string, pre: Precondition): Promise<number | undefined> {
    if (pre === undefined) return undefined;
    const current = (await this.store.alerts.rules.get(id))?.version;
    if (pre === "*" && current === undefined) throw stale(id, 0);
    return current;
  }

  private async freshId(title: unknown): Promise<string> {
    const taken = new Set((await this.store.alerts.rules.list()).map((d) => d.id));
    return idFromTitle(title, taken, "alert");
  }

  private limit(): ApiError {
    return new ApiError(409, ApiErrorCode.LimitReached, `alert rule limit reached (${this.maxRules})`);
  }
}

/** A stored rule's body, parsed (undefined when it no longer validates; the evaluator logs it). */
function parseStored(body: string): AlertRule | undefined {
  try {
    const r = alertRuleSchema.safeParse(JSON.parse(body));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** A rule's state as the API shows it; a rule not evaluated yet is ok. */
function statusOf(row: AlertStateRow | undefined): AlertEntry["status"] {
  if (row === undefined) return { state: "ok", since: 0, value: null, evaluatedAt: null };
  return { state: row.state, since: row.since, value: row.value, evaluatedAt: row.evaluatedAt };
}

function stale(id: string, version: number): ApiError {
  return new ApiError(
    412,
    ApiErrorCode.PreconditionFailed,
    `alert rule ${id} changed since it was read (now version ${version}): reload it and apply the edit again`,
  );
}
