import { describe, expect, it } from "vitest";
import { pgFailure } from "./pg-tx.js";
import { StoreError } from "./store-error.js";

describe("pgFailure", () => {
  it("makes a pool that found no free connection in time 'unavailable' (503, retry), not an internal error", () => {
    // What pg-pool throws when every connection stays busy past connectionTimeoutMillis: under
    // a burst of writes it reached clients as 500 / socket code 5000.
    const err = new Error("timeout exceeded when trying to connect");
    expect(() => pgFailure(err)).toThrow(StoreError);
    try {
      pgFailure(err);
    } catch (e) {
      expect((e as StoreError).kind).toBe("unavailable");
      expect((e as StoreError).toApiError().status).toBe(503);
    }
  });

  it("rethrows what the client cannot act on", () => {
    const err = Object.assign(new Error("syntax error"), { code: "42601" });
    expect(() => pgFailure(err)).toThrow(err);
  });
});
