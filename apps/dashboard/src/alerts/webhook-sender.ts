/**
 * Sends the webhook deliveries queued in the store's outbox: a POST of the JSON body with an
 * HMAC-SHA256 signature of it (`x-dashwire-signature-256: sha256=<hex>`, as GitHub signs, when
 * a secret is configured) and the delivery id (`x-dashwire-delivery`, the same at every attempt,
 * so a receiver drops a repeat). Each attempt has a timeout; a network error, a timeout, 408,
 * 429 or a 5xx is retried with the project's backoff (full jitter) up to `maxAttempts`; any other
 * answer (a 4xx, a redirect: not followed) ends it. Only the node holding the alerts lease sends,
 * at most `concurrency` at a time. Delivery is at least once: a node that dies between a
 * receiver's 2xx and removing the row leaves it to be sent again by the next holder.
 */
import { createHmac } from "node:crypto";
import { type BackoffOptions, backoff } from "@dashwire/protocol";
import type { AlertStore, WebhookDelivery } from "../store/alert-store.js";
import type { WebhookPolicy } from "./webhook-policy.js";

/** Options of `WebhookSender`. */
export interface WebhookSenderOptions {
  /** Longest an attempt may take (connect, send, answer), ms. */
  timeoutMs: number;
  /** Attempts before a delivery is given up. */
  maxAttempts: number;
  /** Delay before each retry. */
  backoff: BackoffOptions;
  /** Deliveries in flight at once. */
  concurrency: number;
  /** HMAC key of the signature header ("": not signed). */
  secret: string;
  /** `user-agent` of the requests. */
  userAgent: string;
}

/** Defaults of `WebhookSenderOptions`. */
export const webhookSenderDefaults: WebhookSenderOptions = {
  timeoutMs: 5000,
  maxAttempts: 5,
  backoff: { minDelayMs: 1000, maxDelayMs: 60_000, factor: 2 },
  concurrency: 4,
  secret: "",
  userAgent: "dashwire",
};

/** What the sender counted. */
export interface WebhookStats {
  /** Deliveries a receiver acknowledged (2xx). */
  sent: number;
  /** Attempts that failed and were scheduled again. */
  retries: number;
  /** Deliveries given up: attempts exhausted, a final answer (4xx), or a host no longer allowed. */
  failed: number;
}

/** The signature header's value for `body`. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** How one attempt ended. */
type Outcome = "sent" | "retry" | "final";

/** Sends the outbox's deliveries; see the file comment. */
export class WebhookSender {
  readonly stats: WebhookStats = { sent: 0, retries: 0, failed: 0 };
  private readonly inflight = new Map<number, Promise<void>>();
  private filling = false;
  private again = false;

  constructor(
    private readonly alerts: AlertStore,
    private readonly policy: WebhookPolicy,
    private readonly options: WebhookSenderOptions,
    /** Whether this node may send now (it holds the alerts lease). */
    private readonly active: () => boolean,
    private readonly now: () => number,
    private readonly warn: (message: string, err?: unknown) => void,
  ) {}

  /** Starts the deliveries that are due, as slots allow (call after a round and after each delivery). */
  kick(): void {
    if (!this.active()) return;
    if (this.filling) {
      this.again = true;
      return;
    }
    this.filling = true;
    this.fill()
      .catch((err: unknown) => this.warn("reading the webhook queue failed", err))
      .finally(() => {
        this.filling = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves once the deliveries in flight have ended (each within the timeout). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all(this.inflight.values());
  }

  private async fill(): Promise<void> {
    const { concurrency } = this.options;
    if (this.inflight.size >= concurrency) return;
    const due = await this.alerts.dueWebhooks(this.now(), concurrency + this.inflight.size);
    for (const d of due) {
      if (this.inflight.size >= concurrency || !this.active()) break;
      if (this.inflight.has(d.seq)) continue;
      const done = this.deliver(d)
        .catch((err: unknown) => this.warn("settling a webhook delivery failed", err))
        .finally(() => {
          this.inflight.delete(d.seq);
          this.kick();
        });
      this.inflight.set(d.seq, done);
    }
  }

  private async deliver(d: WebhookDelivery): Promise<void> {
    const outcome = await this.attempt(d);
    if (outcome === "sent") {
      this.stats.sent++;
      await this.alerts.settleWebhook(d.seq);
      return;
    }
    const attempts = d.attempts + 1;
    if (outcome === "final" || attempts >= this.options.maxAttempts) {
      this.stats.failed++;
      this.warn(`webhook ${d.delivery} to ${originOf(d.url)} given up after ${attempts} attempt(s)`);
      await this.alerts.settleWebhook(d.seq);
      return;
    }
    this.stats.retries++;
    const nextAt = this.now() + Math.round(backoff(attempts - 1, this.options.backoff));
    await this.alerts.settleWebhook(d.seq, { attempts, nextAt });
  }

  private async attempt(d: WebhookDelivery): Promise<Outcome> {
    const refusal = this.policy.refusal(d.url);
    if (refusal !== undefined) {
      this.warn(`webhook ${d.delivery} not sent: ${refusal}`);
      return "final";
    }
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": this.options.userAgent,
      "x-dashwire-delivery": d.delivery,
    };
    if (this.options.secret !== "") headers["x-dashwire-signature-256"] = signBody(this.options.secret, d.body);
    try {
      const res = await fetch(d.url, {
        method: "POST",
        headers,
        body: d.body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      await res.body?.cancel();
      if (res.status >= 200 && res.status < 300) return "sent";
      return res.status >= 500 || res.status === 429 || res.status === 408 ? "retry" : "final";
    } catch {
      return "retry"; // refused, reset, timed out: the receiver may be back at the next attempt
    }
  }
}

/** The scheme, host and port of a URL: what a log line may show (paths often hold a token). */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(invalid URL)";
  }
}
