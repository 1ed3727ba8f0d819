import { beforeEach, describe, expect, it, vi } from "vitest";

/** Every `timingSafeEqual` call: the lengths it compared. */
const compared: number[][] = [];

vi.mock("node:crypto", async (importOriginal) => {
  const crypto = await importOriginal<typeof import("node:crypto")>();
  return {
    ...crypto,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      compared.push([a.byteLength, b.byteLength]);
      return crypto.timingSafeEqual(a, b);
    },
  };
});

const { ApiKeys, parseApiKey } = await import("./api-keys.js");

describe("API key comparison", () => {
  beforeEach(() => {
    compared.length = 0;
  });

  it("compares every key, in equal lengths, whatever the presented key's length", () => {
    // Before, a key of another length was skipped without a comparison: how long it took told
    // an attacker whether their guess had a key's length.
    const keys = new ApiKeys([parseApiKey("short-key:write"), parseApiKey("a-much-longer-key-000:read")], false);
    for (const guess of ["x", "short-kex", "a-much-longer-key-001", "y".repeat(500)]) {
      compared.length = 0;
      expect(keys.scopesOf(guess)).toBeUndefined();
      expect(compared).toEqual([
        [32, 32],
        [32, 32],
      ]);
    }
    expect(keys.scopesOf("short-key")).toEqual(new Set(["write"]));
    expect(keys.scopesOf("a-much-longer-key-000")).toEqual(new Set(["read"]));
  });
});
