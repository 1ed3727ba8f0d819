/**
 * Alert rules as the API accepts them (zod; objects strict, so a typo is an error naming the
 * field). A rule watches one series: the `reduce` of its 1-second buckets over the last
 * `windowSec` seconds is compared with `threshold` at every round; `forSec` is how long the
 * condition must hold (pending) before the rule fires.
 */
import { z } from "zod";
import { DASHBOARD_ID } from "../dashboards/dashboard-schema.js";
import { seriesIdSchema } from "../series/series-id-schema.js";
import type { AlertStateName } from "../store/alert-store.js";
import { boundedText } from "../zod-text.js";

/** Limits of one rule. */
export const alertRuleLimits = {
  maxTitleBytes: 200,
  maxWebhooks: 5,
  maxUrlBytes: 2048,
  maxForSec: 86_400,
  /** The 1 s resolution's default retention: a window is read from 1-second buckets. */
  maxWindowSec: 900,
} as const;

/** Ids the API's paths take for themselves (`/api/v1/alerts/history`). */
export const RESERVED_RULE_IDS: ReadonlySet<string> = new Set(["history"]);

const id = (what: string) =>
  z.string().regex(DASHBOARD_ID, `must be 1-64 characters of A-Z a-z 0-9 _ - (the ${what}'s id)`);

/** A webhook URL: http or https, bounded; whether its host is allowed is the server's policy. */
const webhookUrl = boundedText(alertRuleLimits.maxUrlBytes, 1).refine(
  (s) => {
    try {
      const u = new URL(s);
      return u.protocol === "http:" || u.protocol === "https:";
    } catch {
      return false;
    }
  },
  { message: "must be an http:// or https:// URL" },
);

/** Schema of an alert rule. */
export const alertRuleSchema = z
  .object({
    id: id("rule").refine((s) => !RESERVED_RULE_IDS.has(s), { message: "is reserved" }),
    title: boundedText(alertRuleLimits.maxTitleBytes, 1),
    series: seriesIdSchema,
    /** `above`: fires while the value is greater than `threshold`; `below`: less than. */
    op: z.enum(["above", "below"]),
    threshold: z.number(),
    /** Seconds the condition must hold before the rule fires (0: at once). */
    forSec: z.number().int().min(0).max(alertRuleLimits.maxForSec).default(0),
    /** How a window's buckets become one value: the newest `last`, the `mean`, `min` or `max`. */
    reduce: z.enum(["last", "mean", "min", "max"]).default("last"),
    /** Seconds of 1-second buckets read at each round (the newest closed ones). */
    windowSec: z.number().int().min(1).max(alertRuleLimits.maxWindowSec).default(10),
    /** The dashboard (and panel) the rule belongs to, if any: its state shows there. */
    dashboard: id("dashboard").optional(),
    panel: id("panel").optional(),
    /** URLs POSTed on firing and resolved (their hosts must be allowed: `--webhook-hosts`). */
    webhooks: z.array(webhookUrl).max(alertRuleLimits.maxWebhooks).default([]),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.panel !== undefined && r.dashboard === undefined)
      ctx.addIssue({ code: "custom", path: ["panel"], message: "needs dashboard" });
  });

/** A validated alert rule (defaults filled in). */
export type AlertRule = z.infer<typeof alertRuleSchema>;
/** A rule as a client may send it (defaults optional). */
export type AlertRuleInput = z.input<typeof alertRuleSchema>;

/** A rule's state as the API shows it (`evaluatedAt` null: not evaluated yet). */
export interface AlertStatus {
  state: AlertStateName;
  /** When the rule entered `state` (ms). */
  since: number;
  /** The value the last round saw (null: no data in the window). */
  value: number | null;
  evaluatedAt: number | null;
}

/** A rule with its version (the ETag) and state: one entry of `GET /api/v1/alerts`. */
export interface AlertEntry {
  rule: AlertRule;
  version: number;
  status: AlertStatus;
}

/** The answer of `GET /api/v1/alerts`: every rule, by id. */
export interface AlertListAnswer {
  alerts: AlertEntry[];
}

/** What the `alerts` topic carries: one publication per transition (key: the rule id). */
export interface AlertEvent {
  rule: string;
  title: string;
  series: string;
  dashboard?: string;
  panel?: string;
  from: AlertStateName;
  to: AlertStateName;
  value: number | null;
  /** When it happened (ms). */
  at: number;
}
