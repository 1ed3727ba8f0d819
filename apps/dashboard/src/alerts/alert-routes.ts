/**
 * Alert rules CRUD, as dashboards: `GET/POST /api/v1/alerts`, `GET/PUT/DELETE
 * /api/v1/alerts/:id` (`ETag`, `If-Match`, 412 on a stale write), and
 * `GET /api/v1/alerts/history` (transitions, newest first). Writes need the `admin` scope (a rule
 * makes the server call its webhook URLs); reads the `read` scope. Webhook URLs often carry a
 * token (Slack's do), so only keys that may write rules see them whole; other readers get their
 * origin (`https://hooks.example.com/…`).
 */
import type { IncomingMessage } from "node:http";
import { type ApiKeys, requestKey, type Scope } from "../auth/api-keys.js";
import { parseIfMatch } from "../api/dashboard-routes.js";
import { msParam } from "../api/query-routes.js";
import { DASHBOARD_ID } from "../dashboards/dashboard-schema.js";
import { etagOf } from "../dashboards/dashboards.js";
import { ApiError, ApiErrorCode } from "../errors.js";
import { parseJsonBody, readBody } from "../http/read-body.js";
import { requireJson } from "../http/request-guard.js";
import { sendJson } from "../http/respond.js";
import type { Router } from "../http/router.js";
import type { AlertTransition } from "../store/alert-store.js";
import type { Store } from "../store/store.js";
import type { AlertListAnswer, AlertRule } from "./alert-rule-schema.js";
import type { AlertRules } from "./alert-rules.js";
import { originOf } from "./webhook-sender.js";

/** Largest rule body accepted, bytes. */
export const MAX_RULE_BODY_BYTES = 16 * 1024;
/** Most transitions one history call returns (default 100). */
export const MAX_HISTORY_PAGE = 1000;
/** Longest rule id accepted in a history query, bytes. */
const MAX_ID_BYTES = 64;

/** The answer of `GET /api/v1/alerts/history`: newest first; `next` pages on (`before=next`). */
export interface AlertHistoryAnswer {
  transitions: AlertTransition[];
  next?: number;
}

/** What the alert routes need. */
export interface AlertRoutesDeps {
  rules: AlertRules;
  store: Store;
  keys: ApiKeys;
}

/** A rule as a reader without the admin scope sees it: webhook URLs cut to their origin. */
export function redactRule(rule: AlertRule): AlertRule {
  if (rule.webhooks.length === 0) return rule;
  return { ...rule, webhooks: rule.webhooks.map((u) => `${originOf(u)}/…`) };
}

/** Registers the alert routes. */
export function alertRoutes(router: Router, deps: AlertRoutesDeps): void {
  const { rules, keys } = deps;
  const body = async (req: IncomingMessage) => {
    requireJson(req);
    return parseJsonBody(await readBody(req, MAX_RULE_BODY_BYTES));
  };
  /** Checks the read scope; returns how this reader sees a rule. */
  const reader = (req: IncomingMessage): ((r: AlertRule) => AlertRule) => {
    const scopes = keys.require(requestKey(req), "read");
    return keys.allows(scopes as ReadonlySet<Scope> | undefined, "admin") ? (r) => r : redactRule;
  };

  router.add("GET", "/api/v1/alerts", async (req, res) => {
    const view = reader(req);
    const alerts = (await rules.list()).map((a) => ({ ...a, rule: view(a.rule) }));
    sendJson(res, 200, { alerts } satisfies AlertListAnswer);
  });
  router.add("POST", "/api/v1/alerts", async (req, res) => {
    keys.require(requestKey(req), "admin");
    const { rule, version } = await rules.create(await body(req));
    sendJson(res, 201, rule, { location: `/api/v1/alerts/${encodeURIComponent(rule.id)}`, etag: etagOf(version) });
  });
  // Before `/:id`: the router takes the first route that matches.
  router.add("GET", "/api/v1/alerts/history", async (req, res, { query }) => {
    keys.require(requestKey(req), "read");
    const rule = query.get("rule") ?? undefined;
    if (rule !== undefined && Buffer.byteLength(rule) > MAX_ID_BYTES)
      throw new ApiError(400, ApiErrorCode.InvalidField, `rule: longer than ${MAX_ID_BYTES} bytes`);
    // Rule ids are DASHBOARD_ID-shaped; anything else (a NUL reached PostgreSQL: a 500) names none.
    if (rule !== undefined && rule !== "" && !DASHBOARD_ID.test(rule))
      throw new ApiError(400, ApiErrorCode.InvalidField, "rule: not a rule id");
    const limit = Math.min(msParam(query, "limit", 1, "a count") ?? 100, MAX_HISTORY_PAGE);
    const q = { limit } as Parameters<Store["alerts"]["history"]>[0];
    if (rule !== undefined && rule !== "") q.rule = rule;
    const from = msParam(query, "from", 0);
    const to = msParam(query, "to", 0);
    const before = msParam(query, "before", 1, "a seq of a transition");
    if (from !== undefined) q.from = from;
    if (to !== undefined) q.to = to;
    if (before !== undefined) q.before = before;
    const transitions = await deps.store.alerts.history(q);
    const answer: AlertHistoryAnswer = { transitions };
    const last = transitions.at(-1);
    if (transitions.length === limit && last !== undefined) answer.next = last.seq;
    sendJson(res, 200, answer);
  });
  router.add("GET", "/api/v1/alerts/:id", async (req, res, { params }) => {
    const view = reader(req);
    const found = await rules.get(params.id ?? "");
    if (found === undefined) throw new ApiError(404, ApiErrorCode.NotFound, `no alert rule ${params.id}`);
    sendJson(res, 200, view(found.rule), { etag: etagOf(found.version) });
  });
  router.add("PUT", "/api/v1/alerts/:id", async (req, res, { params }) => {
    keys.require(requestKey(req), "admin");
    const pre = parseIfMatch(req);
    const { rule, version, created } = await rules.put(params.id ?? "", await body(req), pre);
    sendJson(res, created ? 201 : 200, rule, { etag: etagOf(version) });
  });
  router.add("DELETE", "/api/v1/alerts/:id", async (req, res, { params }) => {
    keys.require(requestKey(req), "admin");
    await rules.delete(params.id ?? "", parseIfMatch(req));
    res.writeHead(204, { "cache-control": "no-store" }).end();
  });
}
