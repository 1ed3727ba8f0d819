import { CloseCode } from "@dashwire/protocol";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type Beating, Heartbeat } from "./heartbeat.js";

class FakeSession implements Beating {
  isOpen = true;
  lastSeen = Date.now();
  heartbeatSlot = 0;
  violations = 3;
  limited = 2;
  pings: number[] = [];
  closed: number | undefined = undefined;
  failed: unknown[] = [];
  broken = false;
  newPeriod(): void {
    this.violations = 0;
    this.limited = 0;
  }
  ping(): void {
    if (this.broken) throw new Error("push bug");
    this.pings.push(Date.now());
  }
  close(code: number): void {
    this.closed = code;
    this.isOpen = false;
  }
  fail(err: unknown): void {
    this.failed.push(err);
  }
}

describe("Heartbeat", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setUp(n: number, periodMs: number) {
    const sessions = new Set<FakeSession>();
    const heartbeat = new Heartbeat(periodMs, 20_000, sessions);
    for (let i = 0; i < n; i++) {
      const s = new FakeSession();
      s.heartbeatSlot = heartbeat.slot();
      sessions.add(s);
    }
    heartbeat.start();
    return { sessions: [...sessions], heartbeat };
  }

  it("pings every session once a period, a slice of them at a time", () => {
    const { sessions, heartbeat } = setUp(1000, 25_000);
    const perTick: number[] = [];
    for (let t = 0; t < 25; t++) {
      const before = sessions.reduce((n, s) => n + s.pings.length, 0);
      vi.advanceTimersByTime(1000);
      perTick.push(sessions.reduce((n, s) => n + s.pings.length, 0) - before);
    }
    // 25 slices of 40: never more than a slice's worth in one tick.
    expect(perTick).toEqual(Array.from({ length: 25 }, () => 40));
    expect(sessions.every((s) => s.pings.length === 1)).toBe(true);
    // Clients that answer stay: each is pinged again one period after its first ping.
    for (const s of sessions) s.lastSeen = Date.now();
    vi.advanceTimersByTime(25_000);
    expect(sessions.every((s) => s.pings.length === 2 && s.pings[1] === (s.pings[0] as number) + 25_000)).toBe(true);
    heartbeat.stop();
  });

  it("resets per-period counters on a session's turn and closes a session silent too long", () => {
    const { sessions, heartbeat } = setUp(2, 25_000);
    const [talker, silent] = sessions as [FakeSession, FakeSession];
    vi.advanceTimersByTime(2000);
    expect([talker.violations, talker.limited, silent.violations]).toEqual([0, 0, 0]);
    // The talker answers every ping; the silent one never does.
    for (let t = 0; t < 50; t++) {
      vi.advanceTimersByTime(1000);
      talker.lastSeen = Date.now();
    }
    expect(talker.closed).toBeUndefined();
    expect(silent.closed).toBe(CloseCode.HeartbeatTimeout);
    heartbeat.stop();
  });

  it("hands a throw to that session (it closes itself) and pings the others", () => {
    const { sessions, heartbeat } = setUp(3, 60);
    (sessions[1] as FakeSession).broken = true;
    vi.advanceTimersByTime(60);
    expect(sessions.map((s) => s.pings.length)).toEqual([1, 0, 1]);
    expect((sessions[1] as FakeSession).failed).toHaveLength(1);
    heartbeat.stop();
  });

  it("keeps one slice when the period is short (as tests set it)", () => {
    const { sessions, heartbeat } = setUp(10, 60);
    vi.advanceTimersByTime(60);
    expect(sessions.every((s) => s.pings.length === 1)).toBe(true);
    heartbeat.stop();
  });
});
