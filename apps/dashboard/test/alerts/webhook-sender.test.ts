/**
 * The webhook sender against a real store and a local receiver: retries with backoff on 5xx and
 * timeouts (same delivery id and body each time), gives up after `maxAttempts` or at once on a
 * 4xx or a redirect (not followed), refuses a host no longer allowed, sends at most
 * `concurrency` at a time, and signs only with a secret.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { until } from "../../../../packages/server/test/until.js";
import { WebhookPolicy } from "../../src/alerts/webhook-policy.js";
import { signBody, WebhookSender, webhookSenderDefaults } from "../../src/alerts/webhook-sender.js";
import type { Fence } from "../../src/store/lease.js";
import { SqliteStore } from "../../src/store/sqlite-store.js";
import { WebhookReceiver } from "./webhook-receiver.js";

let dir = "";
let store: SqliteStore;
let fence: Fence;
let receiver: WebhookReceiver;
const warnings: string[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "dashwire-hooks-"));
  store = new SqliteStore({ dataDir: dir, sync: "normal" });
  fence = (await store.leases.acquire("alerts", "me", 60_000)) as Fence;
  receiver = await WebhookReceiver.start();
  warnings.length = 0;
});
afterEach(async () => {
  await receiver.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const fast = { minDelayMs: 20, maxDelayMs: 40, factor: 2 };

function sender(options: Partial<typeof webhookSenderDefaults> = {}, hosts = ["127.0.0.1"]): WebhookSender {
  return new WebhookSender(
    store.alerts,
    new WebhookPolicy(hosts),
    { ...webhookSenderDefaults, backoff: fast, ...options },
    () => true,
    Date.now,
    (m) => warnings.push(m),
  );
}

async function queue(...urls: string[]): Promise<void> {
  const webhooks = urls.map((url, i) => ({ delivery: `d${i}`, rule: "r", url, body: `{"n":${i}}`, nextAt: 0 }));
  await store.alerts.saveRound(fence, { states: [], transitions: [], webhooks }, { maxHistory: 10, maxQueue: 100 });
}

/** Kicks the sender until the outbox is empty (retries come due after their backoff). */
async function drain(s: WebhookSender, timeoutMs = 10_000): Promise<void> {
  await until(
    async () => {
      s.kick();
      await s.idle();
      return (await store.alerts.queuedWebhooks()) === 0;
    },
    timeoutMs,
    "outbox drained",
  );
}

describe("webhook sender", () => {
  it("retries a 5xx and a 429 with the same delivery id and body, then succeeds", async () => {
    receiver.answer((n) => [500, 429, 204][n] ?? 204);
    const s = sender({ secret: "k" });
    await queue(receiver.url("/a"));
    await drain(s);
    expect(receiver.received.map((r) => r.headers["x-dashwire-delivery"])).toEqual(["d0", "d0", "d0"]);
    expect(new Set(receiver.received.map((r) => r.body))).toEqual(new Set(['{"n":0}']));
    expect(receiver.received[0]?.headers["x-dashwire-signature-256"]).toBe(signBody("k", '{"n":0}'));
    expect(s.stats).toEqual({ sent: 1, retries: 2, failed: 0 });
  });

  it("gives up after maxAttempts; a receiver that never answers times out and counts as a failed attempt", async () => {
    receiver.answer(() => "hang");
    const s = sender({ timeoutMs: 200, maxAttempts: 3 });
    await queue(receiver.url());
    await drain(s);
    expect(receiver.received).toHaveLength(3);
    expect(s.stats).toEqual({ sent: 0, retries: 2, failed: 1 });
    expect(warnings.some((w) => /given up after 3 attempt/.test(w))).toBe(true);
    // The log names the receiver's origin, never its path (it may hold a token).
    expect(warnings.join()).not.toContain("/hook");
  });

  it("ends at once on a 4xx or a redirect (not followed); unsigned without a secret", async () => {
    receiver.answer((n) => (n === 0 ? 404 : 302));
    const s = sender();
    await queue(receiver.url("/gone"), receiver.url("/moved"));
    await drain(s);
    expect(receiver.received.map((r) => r.path)).toEqual(["/gone", "/moved"]);
    expect(receiver.received[0]?.headers["x-dashwire-signature-256"]).toBeUndefined();
    expect(s.stats).toEqual({ sent: 0, retries: 0, failed: 2 });
  });

  it("does not call a host the policy no longer allows", async () => {
    const s = sender({}, ["hooks.example.com"]);
    await queue(receiver.url());
    await drain(s);
    expect(receiver.received).toHaveLength(0);
    expect(s.stats.failed).toBe(1);
    expect(warnings.join()).toMatch(/host 127\.0\.0\.1 not allowed/);
  });

  it("sends at most `concurrency` at a time, and nothing while inactive", async () => {
    receiver.answer(() => "hang");
    let active = false;
    const s = new WebhookSender(
      store.alerts,
      new WebhookPolicy(["127.0.0.1"]),
      { ...webhookSenderDefaults, concurrency: 2, timeoutMs: 300, maxAttempts: 1 },
      () => active,
      Date.now,
      () => {},
    );
    await queue(receiver.url("/1"), receiver.url("/2"), receiver.url("/3"));
    s.kick();
    await s.idle();
    expect(receiver.received).toHaveLength(0);
    active = true;
    s.kick();
    await until(() => receiver.received.length === 2, 5000, "two in flight");
    expect(receiver.received.map((r) => r.path)).toEqual(["/1", "/2"]);
    await drain(s);
    expect(receiver.received.map((r) => r.path)).toEqual(["/1", "/2", "/3"]);
  });
});

describe("webhook policy", () => {
  it("allows listed names, domains with a leading dot, IP addresses as written, or any with *", () => {
    const p = new WebhookPolicy(["hooks.example.com", ".corp.example", "10.0.0.5", "[::1]"]);
    expect(p.refusal("https://hooks.example.com/x?token=1")).toBeUndefined();
    expect(p.refusal("https://HOOKS.example.com./x")).toBeUndefined();
    expect(p.refusal("http://a.b.corp.example:8080/")).toBeUndefined();
    expect(p.refusal("http://corp.example/")).toBeUndefined();
    expect(p.refusal("http://10.0.0.5/")).toBeUndefined();
    expect(p.refusal("http://[::1]:9/")).toBeUndefined();
    expect(p.refusal("http://169.254.169.254/latest/meta-data")).toMatch(/host 169\.254\.169\.254 not allowed/);
    expect(p.refusal("http://127.0.0.1/")).toMatch(/not allowed/);
    expect(p.refusal("http://evilcorp.example/")).toMatch(/not allowed/);
    expect(p.refusal("ftp://hooks.example.com/")).toMatch(/http/);
    expect(new WebhookPolicy([]).refusal("https://hooks.example.com/")).toMatch(/--webhook-hosts hooks\.example\.com/);
    expect(new WebhookPolicy(["*"]).refusal("http://anything:1/")).toBeUndefined();
    expect(() => new WebhookPolicy(["not a host"])).toThrow(TypeError);
  });
});
