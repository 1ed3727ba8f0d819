import { ErrorCode, type PublicationMessage } from "@dashwire/protocol";
import { describe, expect, it } from "vitest";
import { DashwireClientError } from "./errors.js";
import { type PublicationInfo, type SubscribeOptions, Subscription, type SubscriptionHost } from "./subscription.js";
import { manualScheduler } from "../test/manual-scheduler.js";
import { realScheduler, type Scheduler } from "./timer.js";

function setup(options: SubscribeOptions = {}, scheduler: Scheduler = realScheduler) {
  const calls = { resubscribe: 0, forget: [] as boolean[] };
  const host: SubscriptionHost = {
    scheduler,
    resubscribe: () => calls.resubscribe++,
    forget: (_sub, tell) => calls.forget.push(tell),
    retryDelay: () => 1,
    ackTimeoutMs: 10_000,
  };
  const got: [unknown, PublicationInfo][] = [];
  const sub = new Subscription(host, "t", (d, p) => got.push([d, p]), options);
  const offsets = () => got.map(([, p]) => p.offset);
  return { sub, got, offsets, calls };
}

const msg = (o: number, e = "E1", k?: string): PublicationMessage =>
  k === undefined ? { t: "msg", c: "t", e, o, d: { o } } : { t: "msg", c: "t", e, o, k, d: { o } };

describe("Subscription delivery and dedupe", () => {
  it("drops publications at or below the last delivered offset in the same epoch", () => {
    const { sub, offsets } = setup();
    sub.subscribeMessage(1);
    sub.acked({ epoch: "E1", offset: 0, recovered: false });
    for (const o of [1, 2, 3, 2, 3, 4, 1, 5]) sub.deliver(msg(o));
    expect(offsets()).toEqual([1, 2, 3, 4, 5]);
    expect(sub.position).toEqual({ epoch: "E1", offset: 5 });
  });

  it("resets on an epoch change", () => {
    const { sub, offsets } = setup();
    sub.subscribeMessage(1);
    sub.acked({ epoch: "E1", offset: 10, recovered: false });
    sub.deliver(msg(11));
    sub.deliver(msg(1, "E2"));
    sub.deliver(msg(2, "E2"));
    sub.deliver(msg(2, "E2"));
    expect(offsets()).toEqual([11, 1, 2]);
    expect(sub.position).toEqual({ epoch: "E2", offset: 2 });
  });

  it("delivers snapshot entries (any order, offsets <= the ack's) after a non-recovered subscribe", () => {
    const { sub, got, offsets } = setup({ snapshot: true });
    sub.subscribeMessage(1);
    sub.acked({ epoch: "E1", offset: 9, recovered: false, snapshot: true });
    sub.deliver(msg(7, "E1", "b"));
    sub.deliver(msg(4, "E1", "a"));
    sub.deliver(msg(10, "E1", "a"));
    sub.deliver(msg(7, "E1", "b")); // snapshot over: a repeat is now a duplicate
    expect(offsets()).toEqual([7, 4, 10]);
    expect(got[0]?.[1]).toEqual({ topic: "t", epoch: "E1", offset: 7, key: "b", urgent: false });
  });

  it("resumes after a recovered ack from its own position, dropping the overlap", () => {
    const { sub, offsets } = setup();
    sub.subscribeMessage(1);
    sub.acked({ epoch: "E1", offset: 0, recovered: false });
    sub.deliver(msg(1));
    sub.deliver(msg(2));
    sub.transportLost();
    const m = sub.subscribeMessage(2);
    expect(m.since).toEqual({ epoch: "E1", offset: 2 });
    sub.acked({ epoch: "E1", offset: 5, recovered: true });
    for (const o of [2, 3, 4, 5]) sub.deliver(msg(o));
    expect(offsets()).toEqual([1, 2, 3, 4, 5]);
  });

  it("ignores publications that arrive while a (re)subscribe awaits its ack", () => {
    const { sub, offsets } = setup();
    sub.subscribeMessage(1);
    sub.deliver(msg(1));
    sub.acked({ epoch: "E1", offset: 0, recovered: false });
    sub.deliver(msg(1));
    expect(offsets()).toEqual([1]);
  });

  it("does not deduplicate latest-mode values (one per key, not in offset order)", () => {
    const { sub, offsets } = setup({ mode: "latest" });
    sub.subscribeMessage(1);
    sub.acked({ epoch: "E1", offset: 0, recovered: false });
    sub.deliver(msg(8, "E1", "urgent"));
    sub.deliver(msg(5, "E1", "a"));
    expect(offsets()).toEqual([8, 5]);
    expect(sub.position).toEqual({ epoch: "E1", offset: 8 });
  });

  it("asks for a resume on a gap, once per outstanding ack", () => {
    const { sub, calls } = setup();
    const gaps: unknown[] = [];
    sub.on("gap", (g) => gaps.push(g));
    sub.subscribeMessage(1);
    sub.acked({ epoch: "E1", offset: 3, recovered: false });
    sub.gap({ t: "gap", topic: "t", epoch: "E1", from: 4, to: 9 });
    expect(calls.resubscribe).toBe(1);
    sub.subscribeMessage(2);
    sub.gap({ t: "gap", topic: "t", epoch: "E1", from: 10, to: 12 });
    expect(calls.resubscribe).toBe(1);
    sub.acked({ epoch: "E1", offset: 12, recovered: true });
    expect(calls.resubscribe).toBe(2);
    expect(gaps).toEqual([
      { epoch: "E1", from: 4, to: 9 },
      { epoch: "E1", from: 10, to: 12 },
    ]);
  });

  it("starts from a given `since` and sends `last` only without a position", () => {
    const a = setup({ since: { epoch: "E", offset: 4 }, last: 10 }).sub.subscribeMessage(1);
    expect(a.since).toEqual({ epoch: "E", offset: 4 });
    expect(a.last).toBeUndefined();
    const b = setup({ last: 10, mode: "latest", maxRate: 5, presence: true }).sub.subscribeMessage(1);
    expect(b).toEqual({ t: "sub", id: 1, topic: "t", last: 10, mode: "latest", maxRate: 5, presence: true });
  });

  it("ends on a fatal refusal, rejecting ready; retries transient ones", async () => {
    const { sub, calls } = setup();
    const errors: number[] = [];
    sub.on("error", (e) => errors.push(e.code));
    sub.subscribeMessage(1);
    sub.refused(new DashwireClientError(5001, "broker down"));
    expect(sub.state).toBe("subscribing");
    await new Promise((r) => setTimeout(r, 10));
    expect(calls.resubscribe).toBe(1);
    sub.refused(new DashwireClientError(2003, "forbidden"));
    expect(sub.state).toBe("unsubscribed");
    expect(calls.forget).toEqual([false]);
    await expect(sub.ready).rejects.toMatchObject({ code: 2003 });
    expect(errors).toEqual([5001, 2003]);
  });

  it("reports a subscribe never answered (Timeout) and sends it again; the answer then confirms", () => {
    const clock = manualScheduler();
    const { sub, calls } = setup({}, clock);
    const errors: number[] = [];
    let confirmed = 0;
    sub.on("error", (e) => errors.push(e.code));
    sub.on("subscribed", () => confirmed++);
    sub.subscribeMessage(1);
    clock.fire(); // the ack timeout
    expect(errors).toEqual([ErrorCode.Timeout]);
    expect(sub.state).toBe("subscribing");
    clock.fire(); // the retry delay
    expect(calls.resubscribe).toBe(1);
    sub.subscribeMessage(2);
    sub.acked({ epoch: "E1", offset: 0, recovered: false });
    expect(sub.state).toBe("subscribed");
    expect(confirmed).toBe(1);
    expect(clock.pending()).toBe(0);
  });

  it("retries an AlreadySubscribed refusal (an earlier sub still served) until it is confirmed", () => {
    const clock = manualScheduler();
    const { sub, calls } = setup({}, clock);
    const errors: number[] = [];
    sub.on("error", (e) => errors.push(e.code));
    sub.subscribeMessage(1);
    sub.refused(new DashwireClientError(ErrorCode.AlreadySubscribed, "already subscribing to t"));
    expect(errors).toEqual([ErrorCode.AlreadySubscribed]);
    expect(sub.state).toBe("subscribing");
    clock.fire();
    expect(calls.resubscribe).toBe(1);
    sub.subscribeMessage(2);
    sub.acked({ epoch: "E1", offset: 0, recovered: false });
    expect(sub.state).toBe("subscribed");
    expect(clock.pending()).toBe(0);
  });

  it("does not call the handler after unsubscribe", () => {
    const { sub, offsets, calls } = setup();
    sub.subscribeMessage(1);
    sub.acked({ epoch: "E1", offset: 0, recovered: false });
    sub.unsubscribe();
    sub.deliver(msg(1));
    expect(offsets()).toEqual([]);
    expect(calls.forget).toEqual([true]);
  });
});
