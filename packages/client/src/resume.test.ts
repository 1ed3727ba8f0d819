import type { SubscribeResult } from "@dashwire/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeConnection, FakeServer, type Msg, sleep, until } from "../test/fake-server.js";
import type { Client } from "./client.js";
import { connect } from "./node.js";

let server: FakeServer;
let client: Client;

beforeEach(async () => {
  server = await FakeServer.start();
  client = connect(server.url, { reconnect: { minDelayMs: 5, maxDelayMs: 20 } });
});
afterEach(async () => {
  client.close();
  await server.close();
});

const pub = (o: number, e = "E1") => ({ t: "msg", c: "orders", e, o, d: { n: o } });

async function ackSub(conn: FakeConnection, result: SubscribeResult, test: (m: Msg) => boolean = () => true) {
  const sub = await conn.next("sub", test);
  conn.send({ t: "ack", id: sub.id, data: result });
  return sub;
}

describe("resume without loss", () => {
  it("resubscribes from the last position after a reconnect and drops the overlap", async () => {
    const got: number[] = [];
    const subscribed: boolean[] = [];
    const sub = client.subscribe("orders", (d) => got.push((d as { n: number }).n));
    sub.on("subscribed", (r) => subscribed.push(r.recovered));
    const c0 = await server.connection(0);
    await c0.handshake();
    await ackSub(c0, { epoch: "E1", offset: 0, recovered: false });
    c0.send(pub(1), pub(2), pub(3));
    await until(() => got.length === 3);
    c0.terminate();

    const c1 = await server.connection(1);
    // The resume rides in the handshake frame with `since` = last delivered.
    const frame = JSON.parse(await c1.next("sub").then(() => c1.frames[0] as string)) as Msg[];
    expect(frame[1]).toMatchObject({ t: "sub", topic: "orders", since: { epoch: "E1", offset: 3 } });
    await c1.handshake();
    const resub = c1.messages.find((m) => m.t === "sub") as Msg;
    // Server replies recovered, then sends what was missed (plus an overlapping repeat).
    c1.send(
      { t: "ack", id: resub.id, data: { epoch: "E1", offset: 6, recovered: true } },
      pub(3),
      pub(4),
      pub(5),
      pub(6),
    );
    await until(() => got.length === 6);
    c1.send(pub(7));
    await until(() => got.length === 7);
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(subscribed).toEqual([false, true]);
    expect(sub.position).toEqual({ epoch: "E1", offset: 7 });
  });

  it("asks for a snapshot again when resuming and surfaces recovered: false", async () => {
    const got: number[] = [];
    const results: SubscribeResult[] = [];
    const sub = client.subscribe("orders", (d) => got.push((d as { n: number }).n), { snapshot: true });
    sub.on("subscribed", (r) => results.push(r));
    const c0 = await server.connection(0);
    await c0.handshake();
    const first = await ackSub(c0, { epoch: "E1", offset: 2, recovered: false, snapshot: true });
    expect(first.snapshot).toBe(true);
    c0.send(pub(2), pub(3));
    await until(() => got.length === 2);
    c0.close(1001, "restart");

    const c1 = await server.connection(1);
    await c1.handshake();
    // History was lost (new epoch): the server sends a snapshot instead.
    const resub = await ackSub(c1, { epoch: "E2", offset: 40, recovered: false, snapshot: true });
    expect(resub).toMatchObject({ since: { epoch: "E1", offset: 3 }, snapshot: true });
    c1.send(pub(38, "E2"), pub(40, "E2"), pub(41, "E2"));
    await until(() => got.length === 5);
    expect(got).toEqual([2, 3, 38, 40, 41]);
    expect(results.map((r) => r.recovered)).toEqual([false, false]);
    expect(sub.position).toEqual({ epoch: "E2", offset: 41 });
  });

  it("on a gap, resubscribes at once from the last delivered position and recovers the range", async () => {
    const got: number[] = [];
    const gaps: unknown[] = [];
    const sub = client.subscribe("orders", (d) => got.push((d as { n: number }).n));
    sub.on("gap", (g) => gaps.push(g));
    const conn = await server.connection(0);
    await conn.handshake();
    await ackSub(conn, { epoch: "E1", offset: 0, recovered: false });
    conn.send(pub(1), pub(2), { t: "gap", topic: "orders", epoch: "E1", from: 3, to: 5 }, pub(6));
    const resub = await conn.next("sub", (m) => m.since !== undefined);
    expect(resub.since).toEqual({ epoch: "E1", offset: 2 });
    expect(gaps).toEqual([{ epoch: "E1", from: 3, to: 5 }]);
    // 6 arrived before the resume's ack: dropped, it is sent again with the recovered range.
    conn.send(
      { t: "ack", id: resub.id, data: { epoch: "E1", offset: 6, recovered: true } },
      pub(3),
      pub(4),
      pub(5),
      pub(6),
    );
    await until(() => got.length >= 6);
    await sleep(20);
    expect(got).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("treats a skipped offset in a stream like a gap: resumes from the last delivered position", async () => {
    const got: number[] = [];
    const gaps: unknown[] = [];
    const sub = client.subscribe("orders", (d) => got.push((d as { n: number }).n));
    sub.on("gap", (g) => gaps.push(g));
    const conn = await server.connection(0);
    await conn.handshake();
    await ackSub(conn, { epoch: "E1", offset: 0, recovered: false });
    conn.send(pub(1), pub(2), pub(5)); // 3 and 4 were lost on the way
    const resub = await conn.next("sub", (m) => m.since !== undefined);
    expect(resub.since).toEqual({ epoch: "E1", offset: 2 });
    expect(gaps).toEqual([{ epoch: "E1", from: 3, to: 4 }]);
    conn.send({ t: "ack", id: resub.id, data: { epoch: "E1", offset: 5, recovered: true } }, pub(3), pub(4), pub(5));
    await until(() => got.length >= 5);
    await sleep(20);
    expect(got).toEqual([1, 2, 3, 4, 5]);
  });

  it("subscribes a topic again after unsubscribe; the old handler gets nothing more", async () => {
    const a: number[] = [];
    const b: number[] = [];
    const first = client.subscribe("orders", (d) => a.push((d as { n: number }).n));
    const conn = await server.connection(0);
    await conn.handshake();
    const s1 = await ackSub(conn, { epoch: "E1", offset: 0, recovered: false });
    await first.ready;
    expect(() => client.subscribe("orders", () => {})).toThrow(/already subscribed/);
    first.unsubscribe();
    await conn.next("unsub");
    const second = client.subscribe("orders", (d) => b.push((d as { n: number }).n));
    await ackSub(conn, { epoch: "E1", offset: 1, recovered: false }, (m) => m.id !== s1.id);
    await second.ready;
    conn.send(pub(2));
    await until(() => b.length === 1);
    expect(a).toEqual([]);
    expect(client.subscription("orders")).toBe(second);
  });

  it("emits presence join/leave on the subscription", async () => {
    const events: string[] = [];
    const sub = client.subscribe("room", () => {}, { presence: true });
    sub.on("join", (w) => events.push(`join:${w.user}`));
    sub.on("leave", (w) => events.push(`leave:${w.user}`));
    const conn = await server.connection(0);
    await conn.handshake();
    const s = await ackSub(conn, { epoch: "E", offset: 0, recovered: false });
    expect(s.presence).toBe(true);
    conn.send(
      { t: "join", topic: "room", who: { client: "c2", user: "bob" } },
      { t: "leave", topic: "room", who: { client: "c2", user: "bob" } },
    );
    await until(() => events.length === 2);
    expect(events).toEqual(["join:bob", "leave:bob"]);
  });
});
