/**
 * The alerts of a dashboard app, put together: rules CRUD, the evaluator (once per node set,
 * under the store's lease), the webhook sender, their metrics, and the `alerts` topic the
 * transitions are published on (urgent: every open dashboard gets them at once, past any rate
 * cap or conflation). `app.ts` creates it, registers its routes and starts it.
 */
import { randomBytes } from "node:crypto";
import type { DashwireServer } from "@dashwire/server";
import type { ApiKeys } from "../auth/api-keys.js";
import type { DashboardOptions } from "../config/options.js";
import type { Router } from "../http/router.js";
import type { Store } from "../store/store.js";
import { AlertEvaluator, leaseTtlFor } from "./alert-evaluator.js";
import { alertMetrics } from "./alert-metrics.js";
import { alertRoutes } from "./alert-routes.js";
import type { AlertEvent } from "./alert-rule-schema.js";
import { AlertRules } from "./alert-rules.js";
import { WebhookPolicy } from "./webhook-policy.js";
import { WebhookSender, webhookSenderDefaults } from "./webhook-sender.js";

/** The topic alert transitions are published on (key: the rule id). */
export const ALERTS_TOPIC = "alerts";

/** What the alerts need from the app. */
export interface AlertsDeps {
  server: DashwireServer;
  store: Store;
  keys: ApiKeys;
  options: DashboardOptions;
  nodeId: string;
  /** The app's version, for the webhooks' `user-agent`. */
  version: string;
  warn(message: string, err?: unknown): void;
}

/** The running alerts of an app. */
export interface Alerts {
  readonly rules: AlertRules;
  readonly evaluator: AlertEvaluator;
  readonly sender: WebhookSender;
  /** Registers the HTTP routes. */
  routes(router: Router): void;
  /** Adds the metrics and starts the rounds. */
  start(): Promise<void>;
  /** Stops the rounds, waits for deliveries in flight, releases the lease. */
  close(): Promise<void>;
}

/** Creates the alerts of an app (nothing runs until `start`). */
export function createAlerts(deps: AlertsDeps): Alerts {
  const { server, store, options } = deps;
  const policy = new WebhookPolicy(options.webhookHosts);
  const rules = new AlertRules(store, policy, options.maxAlertRules);
  // Unique per process: a restarted process is a new holder, and waits for the old lease to expire.
  const holder = `${deps.nodeId}:${randomBytes(4).toString("hex")}`;
  let evaluator: AlertEvaluator | undefined;
  const sender = new WebhookSender(
    store.alerts,
    policy,
    {
      ...webhookSenderDefaults,
      timeoutMs: options.webhookTimeoutMs,
      maxAttempts: options.webhookMaxAttempts,
      secret: options.webhookSecret,
      userAgent: `dashwire/${deps.version}`,
    },
    () => evaluator?.holding === true,
    Date.now,
    deps.warn,
  );
  const publish = (event: AlertEvent) => {
    server
      .publish(ALERTS_TOPIC, event, { key: event.rule, urgent: true })
      .catch((err: unknown) => deps.warn(`publishing alert ${event.rule} ${event.to} failed`, err));
  };
  evaluator = new AlertEvaluator(
    {
      evalMs: options.alertEvalMs,
      leaseTtlMs: leaseTtlFor(options.alertEvalMs),
      maxHistory: options.alertHistory,
      maxQueue: options.webhookQueue,
    },
    { store, holder, sender, publish, now: Date.now, warn: deps.warn },
  );
  const ev = evaluator;
  return {
    rules,
    evaluator: ev,
    sender,
    routes: (router) => alertRoutes(router, { rules, store, keys: deps.keys }),
    async start() {
      await server.addMetrics(alertMetrics(ev.stats, sender.stats, () => ev.holding));
      ev.start();
    },
    close: () => ev.close(),
  };
}
