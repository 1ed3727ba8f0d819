import { RedisBroker } from "@dashwire/broker-redis";
import { decodeEntry } from "../src/entry-codec.js";
import { escapeTopic, topicKeys } from "../src/redis-keys.js";
import { ErrorCode } from "@dashwire/protocol";
import type { TopicRetention } from "@dashwire/server";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { RedisProcess } from "./redis-process.js";
import { Recorder, waitFor as waitUntil } from "@dashwire/server/testing";

const url = process.env.DASHWIRE_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = `dwtest:${process.pid}:${Date.now()}:`;
const retention: TopicRetention = { historySize: 5, historyTtlMs: 0, latestKeys: 3 };
const admin = new Redis(url);
const brokers: RedisBroker[] = [];
const procs: RedisProcess[] = [];

const waitFor = (check: () => boolean, timeoutMs = 5000) => waitUntil(check, timeoutMs);

async function started(options: ConstructorParameters<typeof RedisBroker>[0] = {}): Promise<[RedisBroker, Recorder]> {
  const broker = new RedisBroker({ connection: url, prefix, topicTtlMs: 60_000, ...options });
  brokers.push(broker);
  const rec = new Recorder();
  await broker.start(rec);
  return [broker, rec];
}

afterEach(async () => {
  for (const b of brokers.splice(0)) await b.close();
  for (const p of procs.splice(0)) await p.stop();
});
afterAll(() => admin.disconnect());

describe("entry codec and key names", () => {
  it("round-trips keys with spaces, newlines and unicode, and data with newlines", () => {
    const entry = `7 1700000000000 1 abc ${JSON.stringify("a b\nc é")}\n{"x":"1\\n2"}\n`;
    expect(decodeEntry("t", entry)).toEqual({
      topic: "t",
      epoch: "abc",
      offset: 7,
      time: 1700000000000,
      urgent: true,
      key: "a b\nc é",
      data: '{"x":"1\\n2"}\n',
    });
    expect(decodeEntry("t", "garbage")).toBeUndefined();
  });

  it("keeps every key of a topic in one hash tag, whatever the topic holds", () => {
    expect(escapeTopic("a}b{c%d")).toBe("a%7Db%7Bc%25d");
    const keys = topicKeys("p:", "}x{");
    for (const key of Object.values(keys)) expect(key.startsWith("p:{%7Dx%7B}:")).toBe(true);
  });
});

describe("redis broker", () => {
  it("handles topics and keys with any characters", async () => {
    const [broker, rec] = await started();
    const topic = `odd:${Date.now()}.a/b=c,d}e{f`;
    await broker.subscribe(topic);
    const keys = ["with space", "new\nline", "ünï", ""];
    for (const key of keys)
      await broker.publish({ topic, data: JSON.stringify(key), key, retention: { ...retention, latestKeys: 10 } });
    await waitFor(() => rec.pubs.length === 4);
    expect(rec.pubs.map((p) => p.key)).toEqual(keys);
    const snap = await broker.history(topic, { snapshot: true, limit: 100 });
    expect(snap.publications.map((p) => [p.key, JSON.parse(p.data)])).toEqual(keys.map((k) => [k, k]));
  });

  it("caps history, latest keys and sets an expiry on every key", async () => {
    const [broker] = await started({ topicTtlMs: 30_000 });
    const topic = `caps:${Date.now()}`;
    for (let i = 0; i < 12; i++) await broker.publish({ topic, data: String(i), key: `k${i}`, retention });
    const keys = topicKeys(prefix, topic);
    expect(await admin.xlen(keys.stream)).toBe(5);
    expect(await admin.hlen(keys.latest)).toBe(3);
    expect(await admin.zcard(keys.order)).toBe(3);
    for (const key of [keys.meta, keys.stream, keys.latest, keys.order]) {
      const ttl = await admin.pttl(key);
      expect(ttl).toBeGreaterThan(25_000);
      expect(ttl).toBeLessThanOrEqual(30_000);
    }
    const snap = await broker.history(topic, { snapshot: true, limit: 100 });
    expect(snap.publications.map((p) => p.data)).toEqual(["9", "10", "11"]);
  });

  it("does not replay entries older than the history TTL", async () => {
    const [broker] = await started();
    const topic = `ttl:${Date.now()}`;
    const first = await broker.publish({ topic, data: "0", retention: { ...retention, historyTtlMs: 100 } });
    await broker.publish({ topic, data: "1", retention: { ...retention, historyTtlMs: 100 } });
    const fresh = await broker.history(topic, { since: { epoch: first.epoch, offset: first.offset - 1 }, limit: 10 });
    expect(fresh.recovered).toBe(true);
    await new Promise((r) => setTimeout(r, 150));
    const stale = await broker.history(topic, { since: { epoch: first.epoch, offset: first.offset - 1 }, limit: 10 });
    expect(stale.recovered).toBe(false);
    expect((await broker.history(topic, { last: 5, limit: 10 })).publications).toEqual([]);
  });

  it("starts a new epoch when the topic's keys are lost", async () => {
    const [broker] = await started();
    const topic = `lost:${Date.now()}`;
    const before = await broker.publish({ topic, data: "0", key: "a", retention });
    await admin.del(topicKeys(prefix, topic).meta);
    const after = await broker.publish({ topic, data: "1", retention });
    expect(after.epoch).not.toBe(before.epoch);
    expect(after.offset).toBe(1);
    const res = await broker.history(topic, {
      since: { epoch: before.epoch, offset: before.offset },
      snapshot: true,
      limit: 10,
    });
    expect(res.recovered).toBe(false);
    // The old epoch's latest values went with it.
    expect(res.publications).toEqual([]);
  });

  it("subscribes on Redis only to topics with local subscribers", async () => {
    const [broker] = await started();
    const topic = `only:${Date.now()}`;
    const channel = topicKeys(prefix, topic).channel;
    const subscribers = async () => {
      const reply = (await admin.call("PUBSUB", "SHARDNUMSUB", channel)) as [string, number];
      return Number(reply[1]);
    };
    expect(await subscribers()).toBe(0);
    await broker.subscribe(topic);
    await broker.subscribe(topic);
    expect(await subscribers()).toBe(1);
    await broker.unsubscribe(topic);
    expect(await subscribers()).toBe(0);
  });
});

describe("redis broker link loss (private redis-server)", () => {
  it("reports down, rejects publishes fast with 5001, reconnects, re-subscribes and reports ok", async () => {
    const proc = await RedisProcess.start();
    procs.push(proc);
    const [broker, rec] = await started({
      connection: proc.url,
      reconnect: { minDelayMs: 50, maxDelayMs: 200, factor: 2 },
    });
    const topic = "fault:1";
    await broker.subscribe(topic);
    const before = await broker.publish({ topic, data: "0", retention });
    await waitFor(() => rec.pubs.length === 1);
    await proc.kill();
    await waitFor(() => rec.statuses.at(-1)?.ok === false);
    expect(rec.statuses.at(-1)?.reason).toMatch(/redis .* connection lost/);
    const t0 = Date.now();
    await expect(broker.publish({ topic, data: "x", retention })).rejects.toMatchObject({
      code: ErrorCode.BrokerUnavailable,
    });
    expect(Date.now() - t0).toBeLessThan(1000);
    await proc.restart();
    await waitFor(() => rec.statuses.at(-1)?.ok === true);
    const after = await broker.publish({ topic, data: "1", retention });
    // No persistence: the restart lost the topic, so it is a new epoch.
    expect(after.epoch).not.toBe(before.epoch);
    await waitFor(() => rec.pubs.length === 2);
    expect(rec.pubs[1]?.data).toBe("1");
    expect(rec.statuses.map((s) => s.ok)).toEqual([true, false, true]);
  });

  it("starts degraded when Redis is down, then reports ok once it is up", async () => {
    const proc = await RedisProcess.start();
    procs.push(proc);
    await proc.kill();
    const [broker, rec] = await started({
      connection: proc.url,
      startTimeoutMs: 300,
      reconnect: { minDelayMs: 50, maxDelayMs: 200, factor: 2 },
    });
    expect(rec.statuses.at(-1)?.ok).toBe(false);
    await expect(broker.history("x", { limit: 1 })).rejects.toMatchObject({ code: ErrorCode.BrokerUnavailable });
    // Subscribing while down is remembered and done once the link is up.
    await broker.subscribe("x");
    await proc.restart();
    await waitFor(() => rec.statuses.at(-1)?.ok === true);
    expect((await broker.history("x", { limit: 1 })).offset).toBe(0);
    await broker.publish({ topic: "x", data: "1", retention });
    await waitFor(() => rec.pubs.length === 1);
  });
});
