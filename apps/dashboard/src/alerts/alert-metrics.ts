/** The alerts' figures on `/metrics` (per process; the cluster primary sums the workers'). */
import type { ReadMetric } from "@dashwire/server";
import type { AlertEvaluatorStats } from "./alert-evaluator.js";
import type { WebhookStats } from "./webhook-sender.js";

/** The metrics of one process's evaluator and webhook sender, read at collection time. */
export function alertMetrics(
  evaluator: Readonly<AlertEvaluatorStats>,
  sender: Readonly<WebhookStats>,
  holding: () => boolean,
): ReadMetric[] {
  const counter = (name: string, help: string, read: () => number): ReadMetric => ({
    name,
    help,
    type: "counter",
    read,
  });
  return [
    counter(
      "dashwire_alert_rounds_total",
      "Alert rounds evaluated and written (by the lease holder).",
      () => evaluator.rounds,
    ),
    counter(
      "dashwire_alert_rounds_fenced_total",
      "Alert rounds refused: the lease moved on meanwhile.",
      () => evaluator.fenced,
    ),
    counter(
      "dashwire_alert_round_errors_total",
      "Alert rounds that failed (store unreadable or unwritable).",
      () => evaluator.errors,
    ),
    counter("dashwire_alert_transitions_total", "Alert state transitions written.", () => evaluator.transitions),
    counter("dashwire_alert_webhooks_sent_total", "Webhook deliveries acknowledged (2xx).", () => sender.sent),
    counter(
      "dashwire_alert_webhook_retries_total",
      "Webhook attempts that failed and were scheduled again.",
      () => sender.retries,
    ),
    counter(
      "dashwire_alert_webhooks_failed_total",
      "Webhook deliveries given up (attempts exhausted, a 4xx, or a host no longer allowed).",
      () => sender.failed,
    ),
    counter(
      "dashwire_alert_webhooks_dropped_total",
      "Webhook deliveries dropped unsent: the queue was full (the oldest go).",
      () => evaluator.dropped,
    ),
    {
      name: "dashwire_alert_webhook_queue",
      help: "Webhook deliveries queued (as the last round written by this process saw it).",
      type: "gauge",
      aggregator: "max",
      read: () => evaluator.queued,
    },
    {
      name: "dashwire_alert_lease_held",
      help: "1 while this process holds the alerts lease (evaluates the rules and sends webhooks).",
      type: "gauge",
      read: () => (holding() ? 1 : 0),
    },
  ];
}
