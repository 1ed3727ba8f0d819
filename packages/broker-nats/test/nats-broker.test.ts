import { NatsBroker } from "@dashwire/broker-nats";
import { decodeToken, encodeToken } from "../src/subject-token.js";
import { ErrorCode } from "@dashwire/protocol";
import type { Publication, TopicRetention } from "@dashwire/server";
import { connect } from "nats";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { NatsProcess } from "./nats-process.js";
import { deleteStreams } from "./test-streams.js";
import { Recorder, waitFor as waitUntil } from "@dashwire/server/testing";

const url = process.env.DASHWIRE_TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const id = `${process.pid}_${Date.now()}`;
const stream = `DWTEST_B${id}`;
const prefix = `dwtest.b${id}`;
const retention: TopicRetention = { historySize: 50, historyTtlMs: 0, latestKeys: 3 };
const brokers: NatsBroker[] = [];
const procs: NatsProcess[] = [];

const waitFor = (check: () => boolean, timeoutMs = 8000) => waitUntil(check, timeoutMs);

async function started(options: ConstructorParameters<typeof NatsBroker>[0] = {}): Promise<[NatsBroker, Recorder]> {
  const broker = new NatsBroker({ connection: url, prefix, stream, storage: "memory", topicTtlMs: 60_000, ...options });
  brokers.push(broker);
  const rec = new Recorder();
  await broker.start(rec);
  return [broker, rec];
}

afterEach(async () => {
  for (const b of brokers.splice(0)) await b.close();
  for (const p of procs.splice(0)) await p.stop();
});
afterAll(() => deleteStreams(url, [stream]));

describe("subject tokens", () => {
  it("encodes any topic into one valid token and back", () => {
    for (const topic of ["room:1", "a.b.c", "x/y=z,w", "*", ">", "with space", "~tilde", "ünï", "", "$SYS"]) {
      const token = encodeToken(topic);
      expect(token).toMatch(/^[A-Za-z0-9_\-:/=,@+~]+$/);
      expect(decodeToken(token)).toBe(topic);
    }
    expect(encodeToken("room:1")).toBe("room:1");
    expect(encodeToken("a.b")).not.toBe(encodeToken("a~2Eb"));
  });
});

describe("nats broker", () => {
  it("keeps offsets contiguous when three nodes race on one topic; refused attempts are never delivered", async () => {
    const nodes = await Promise.all([started(), started(), started()]);
    const topic = `race:${Date.now()}`;
    for (const [b] of nodes) await b.subscribe(topic);
    const results = await Promise.all(
      nodes.map(async ([b], n) => {
        const out: Publication[] = [];
        for (let i = 0; i < 60; i++) out.push(await b.publish({ topic, data: JSON.stringify({ n, i }), retention }));
        return out;
      }),
    );
    const offsets = results.flat().map((p) => p.offset);
    expect([...offsets].sort((a, b) => a - b)).toEqual(Array.from({ length: 180 }, (_, i) => i + 1));
    for (const [, rec] of nodes) {
      await waitFor(() => rec.pubs.length >= 180);
      await new Promise((r) => setTimeout(r, 50));
      expect(rec.pubs.map((p) => p.offset)).toEqual(Array.from({ length: 180 }, (_, i) => i + 1));
    }
    // What each node received is what the publishers were told.
    const byOffset = new Map(results.flat().map((p) => [p.offset, p.data]));
    expect(nodes[0]?.[1].pubs.every((p) => byOffset.get(p.offset) === p.data)).toBe(true);
  });

  it("batches publishes waiting on one topic into one stored message, offsets still contiguous across nodes", async () => {
    const nodes = await Promise.all([started(), started({ maxPendingPerTopic: 400 })]);
    const topic = `batch:${Date.now()}`;
    for (const [b] of nodes) await b.subscribe(topic);
    // 300 at once from each node, none awaited before the next is made.
    const all = await Promise.all(
      nodes.flatMap(([b], n) =>
        Array.from({ length: 300 }, (_, i) =>
          b.publish({ topic, data: JSON.stringify({ n, i }), key: `k${i % 7}`, retention }),
        ),
      ),
    );
    expect(all.map((p) => p.offset).sort((a, b) => a - b)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    // Each node's publishes resolve in the order they were made.
    for (const n of [0, 1]) {
      const mine = all.filter((p) => JSON.parse(p.data).n === n).map((p) => p.offset);
      expect(mine).toEqual([...mine].sort((a, b) => a - b));
    }
    const byOffset = new Map(all.map((p) => [p.offset, p.data]));
    for (const [, rec] of nodes) {
      await waitFor(() => rec.pubs.length >= 600);
      expect(rec.pubs.map((p) => p.offset)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
      expect(rec.pubs.every((p) => byOffset.get(p.offset) === p.data)).toBe(true);
    }
    const nc = await connect({ servers: url });
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(stream, { subjects_filter: `${prefix}.t.${encodeToken(topic)}` });
    await nc.close();
    expect(Object.values(info.state.subjects ?? {})[0]).toBeLessThan(100);
    // Snapshot: the newest value of each of the 7 keys, capped at latestKeys (3).
    const snap = await nodes[0]![0].history(topic, { snapshot: true, limit: 100 });
    const newest = new Map<string, number>();
    for (const p of [...all].sort((a, b) => a.offset - b.offset)) newest.set(p.key as string, p.offset);
    const expected = [...newest.values()].sort((a, b) => a - b).slice(-3);
    expect(snap.publications.map((p) => p.offset)).toEqual(expected);
    // The per-topic queue is bounded.
    const [bounded] = nodes[1]!;
    const flood = Array.from({ length: 450 }, (_, i) => bounded.publish({ topic, data: String(i), retention }));
    const settled = await Promise.allSettled(flood);
    const refused = settled.filter((s) => s.status === "rejected");
    expect(refused.length).toBeGreaterThan(0);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ code: ErrorCode.BrokerUnavailable });
  });

  it("handles topics and keys with any characters", async () => {
    const [broker, rec] = await started();
    const topic = `odd:${Date.now()}.a b*>c~`;
    await broker.subscribe(topic);
    const keys = ["with space", "new\nline", "ü.*>", ""];
    for (const key of keys)
      await broker.publish({ topic, data: JSON.stringify(key), key, retention: { ...retention, latestKeys: 10 } });
    await waitFor(() => rec.pubs.length === 4);
    expect(rec.pubs.map((p) => p.key)).toEqual(keys);
    const snap = await broker.history(topic, { snapshot: true, limit: 100 });
    expect(snap.publications.map((p) => [p.key, JSON.parse(p.data)])).toEqual(keys.map((k) => [k, k]));
  });

  it("gives an empty topic the epoch its first publication will carry", async () => {
    const [broker] = await started();
    const topic = `empty:${Date.now()}`;
    const before = await broker.history(topic, { limit: 10 });
    const [other] = await started();
    const pub = await other.publish({ topic, data: "1", retention });
    expect(pub).toMatchObject({ epoch: before.epoch, offset: 1 });
  });

  it("starts a new epoch when the topic's history is purged", async () => {
    const [broker] = await started();
    const topic = `purge:${Date.now()}`;
    const first = await broker.publish({ topic, data: "0", key: "a", retention });
    const nc = await connect({ servers: url });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.purge(stream, { filter: `${prefix}.t.${encodeToken(topic)}` });
    await nc.close();
    // The cached head is stale: the offset race is lost once, then the new epoch starts.
    const next = await broker.publish({ topic, data: "1", retention });
    expect(next.epoch).not.toBe(first.epoch);
    expect(next.offset).toBe(1);
    const res = await broker.history(topic, { since: { epoch: first.epoch, offset: 1 }, snapshot: true, limit: 10 });
    expect(res.recovered).toBe(false);
    // The old epoch's latest values are not served as the new epoch's.
    expect(res.publications).toEqual([]);
  });

  it("replays within the ring only and honours the history TTL", async () => {
    const [broker] = await started();
    const topic = `ring:${Date.now()}`;
    const small = { historySize: 5, historyTtlMs: 150, latestKeys: 0 };
    for (let i = 0; i < 8; i++) await broker.publish({ topic, data: String(i), retention: small });
    const epoch = (await broker.history(topic, { limit: 10 })).epoch;
    expect((await broker.history(topic, { since: { epoch, offset: 2 }, limit: 10 })).recovered).toBe(false);
    const ok = await broker.history(topic, { since: { epoch, offset: 3 }, limit: 10 });
    expect(ok.publications.map((p) => p.data)).toEqual(["3", "4", "5", "6", "7"]);
    await new Promise((r) => setTimeout(r, 200));
    expect((await broker.history(topic, { since: { epoch, offset: 3 }, limit: 10 })).recovered).toBe(false);
    expect((await broker.history(topic, { last: 3, limit: 10 })).publications).toEqual([]);
  });
});

describe("nats broker link loss (private nats-server)", () => {
  it("reports down, rejects publishes fast with 5001, reconnects and keeps delivering", async () => {
    const proc = await NatsProcess.start();
    procs.push(proc);
    const [broker, rec] = await started({ connection: proc.url, storage: "file", reconnectWaitMs: 100 });
    const topic = "fault:1";
    await broker.subscribe(topic);
    const before = await broker.publish({ topic, data: "0", retention });
    await waitFor(() => rec.pubs.length === 1);
    await proc.kill();
    await waitFor(() => rec.statuses.at(-1)?.ok === false);
    expect(rec.statuses.at(-1)?.reason).toMatch(/nats connection lost/);
    const t0 = Date.now();
    await expect(broker.publish({ topic, data: "x", retention })).rejects.toMatchObject({
      code: ErrorCode.BrokerUnavailable,
    });
    expect(Date.now() - t0).toBeLessThan(500);
    await proc.restart();
    await waitFor(() => rec.statuses.at(-1)?.ok === true, 15_000);
    // File storage survived the restart: same epoch, next offset, and the subscription still works.
    const after = await broker.publish({ topic, data: "1", retention });
    expect(after).toMatchObject({ epoch: before.epoch, offset: before.offset + 1 });
    await waitFor(() => rec.pubs.length === 2);
    expect(rec.statuses.map((s) => s.ok)).toEqual([true, false, true]);
  });

  it("starts degraded when NATS is down, subscribes once it is up", async () => {
    const proc = await NatsProcess.start();
    procs.push(proc);
    await proc.kill();
    const [broker, rec] = await started({
      connection: proc.url,
      storage: "file",
      startTimeoutMs: 300,
      reconnectWaitMs: 100,
    });
    expect(rec.statuses.at(-1)?.ok).toBe(false);
    await expect(broker.publish({ topic: "x", data: "0", retention })).rejects.toMatchObject({
      code: ErrorCode.BrokerUnavailable,
    });
    await broker.subscribe("x");
    await proc.restart();
    await waitFor(() => rec.statuses.at(-1)?.ok === true, 15_000);
    await broker.publish({ topic: "x", data: "1", retention });
    await waitFor(() => rec.pubs.length === 1);
    expect(rec.pubs[0]).toMatchObject({ topic: "x", offset: 1, data: "1" });
  });
});
