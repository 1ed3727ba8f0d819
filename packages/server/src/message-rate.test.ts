import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MessageRate, RATE_CLOSE, RATE_PASS, RATE_QUIET, RATE_TELL } from "./message-rate.js";

describe("MessageRate", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("tells each refused message with an id, and id-less ones once per episode", () => {
    const rate = new MessageRate(10, 5);
    expect(Array.from({ length: 5 }, () => rate.take(false))).toEqual(Array(5).fill(RATE_PASS));
    expect([rate.take(true), rate.take(true)]).toEqual([RATE_TELL, RATE_TELL]);
    expect([rate.take(false), rate.take(false)]).toEqual([RATE_TELL, RATE_QUIET]);
    // One message passes: the next id-less refusal starts a new episode and is told again.
    vi.advanceTimersByTime(100);
    expect(rate.take(false)).toBe(RATE_PASS);
    rate.newPeriod();
    expect(rate.take(false)).toBe(RATE_TELL);
  });

  it("closes after a burst's worth of refusals in one period, and counts again after newPeriod", () => {
    const rate = new MessageRate(1, 2);
    rate.take(true);
    rate.take(true);
    expect([rate.take(true), rate.take(true)]).toEqual([RATE_TELL, RATE_TELL]);
    expect(rate.take(true)).toBe(RATE_CLOSE);
    rate.newPeriod();
    expect(rate.take(true)).toBe(RATE_TELL);
  });
});
