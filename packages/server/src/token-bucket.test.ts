import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { TokenBucket } from "./token-bucket.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const takes = (bucket: TokenBucket, n: number) => Array.from({ length: n }, () => bucket.take()).filter(Boolean).length;

it("gives the burst at once, then `rate` tokens a second", () => {
  const bucket = new TokenBucket(10, 5);
  expect(takes(bucket, 8)).toBe(5);
  vi.advanceTimersByTime(100);
  expect(takes(bucket, 3)).toBe(1);
  vi.advanceTimersByTime(10_000);
  expect(takes(bucket, 20)).toBe(5);
});

it("does not credit time spent full", () => {
  const bucket = new TokenBucket(10, 5);
  vi.advanceTimersByTime(1000); // full all along: nothing to add
  expect(takes(bucket, 5)).toBe(5);
  expect(bucket.take()).toBe(false);
});

it("never refuses with a rate of 0", () => {
  const bucket = new TokenBucket(0, 0);
  expect(takes(bucket, 1000)).toBe(1000);
});
