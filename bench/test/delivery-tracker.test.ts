import { describe, expect, it } from "vitest";
import { DeliveryTracker } from "../src/load/delivery-tracker.js";

describe("DeliveryTracker", () => {
  it("measures latency from the scheduled time, not from when the message was sent", () => {
    const t = new DeliveryTracker({ senders: 1, receivers: 1 });
    t.setWindow(0, 1e12);
    // Scheduled at 1,000 µs; a stalled sender only sent it at 400,000 µs; it arrived at 401,000 µs.
    t.noteSent(0, 1_000);
    t.record(0, 0, 0, 1_000, 401_000);
    const s = t.summary();
    expect(s.latency.p50).toBeCloseTo(400, 0); // 400 ms, although send→arrival took 1 ms
    expect(s.latency.max).toBeCloseTo(400, 0);
  });

  it("counts loss, reordering and duplicates per (sender, receiver) from sequence numbers", () => {
    const t = new DeliveryTracker({ senders: 2, receivers: 2 });
    t.setWindow(0, 1e12);
    for (let seq = 0; seq < 6; seq++) {
      t.noteSent(0, 100 + seq);
      t.noteSent(1, 100 + seq);
    }
    // Receiver 0 gets sender 0's 0,1,3,2,5 (4 lost, 2 late) and a duplicate of 5.
    for (const seq of [0, 1, 3, 2, 5, 5]) t.record(0, 0, seq, 100 + seq, 200 + seq);
    // Receiver 0 gets all of sender 1; receiver 1 gets all of both.
    for (let seq = 0; seq < 6; seq++) {
      t.record(0, 1, seq, 100 + seq, 200 + seq);
      t.record(1, 0, seq, 100 + seq, 200 + seq);
      t.record(1, 1, seq, 100 + seq, 200 + seq);
    }
    const s = t.summary();
    expect(s.sentInWindow).toBe(12);
    expect(s.expected).toBe(24);
    expect(s.delivered).toBe(23);
    expect(s.lost).toBe(1);
    expect(s.reordered).toBe(1);
    expect(s.duplicates).toBe(1);
    expect(t.pairCount(0, 0)).toBe(5);
    expect(t.pairCount(1, 0)).toBe(6);
  });

  it("counts only messages scheduled inside the window", () => {
    const t = new DeliveryTracker({ senders: 1, receivers: 1 });
    t.setWindow(1_000, 2_000);
    for (const at of [500, 1_000, 1_500, 2_000]) t.noteSent(0, at);
    [500, 1_000, 1_500, 2_000].forEach((at, seq) => {
      t.record(0, 0, seq, at, at + 10);
    });
    const s = t.summary();
    expect(s.sentInWindow).toBe(2);
    expect(s.delivered).toBe(2);
    expect(s.lost).toBe(0);
  });

  it("samples latency but still counts every delivery, and keeps the true max", () => {
    const t = new DeliveryTracker({ senders: 1, receivers: 1, sampleEvery: 10 });
    t.setWindow(0, 1e12);
    for (let seq = 0; seq < 100; seq++) {
      t.noteSent(0, seq);
      t.record(0, 0, seq, seq, seq + (seq === 37 ? 900_000 : 1_000));
    }
    const s = t.summary();
    expect(s.delivered).toBe(100);
    expect(s.latency.samples).toBe(10);
    expect(s.latency.max).toBeCloseTo(900, 0); // seq 37 was not sampled, its latency still shows
  });

  it("ignores tags from unknown senders or receivers", () => {
    const t = new DeliveryTracker({ senders: 1, receivers: 1 });
    t.record(0, 7, 0, 0, 1);
    t.record(3, 0, 0, 0, 1);
    expect(t.unknown).toBe(2);
    expect(t.received).toBe(0);
  });
});
