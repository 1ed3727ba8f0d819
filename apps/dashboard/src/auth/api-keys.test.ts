import { describe, expect, it } from "vitest";
import { ApiError } from "../errors.js";
import { ApiKeys, parseApiKey, parseApiKeyList } from "./api-keys.js";

function status(fn: () => void): number | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof ApiError ? err.status : -1;
  }
}

describe("API keys", () => {
  it("parses key:scopes specs and refuses bad ones", () => {
    expect(parseApiKey("abcdefgh:write,read")).toEqual({ key: "abcdefgh", scopes: ["write", "read"] });
    expect(parseApiKey("abcdefgh")).toEqual({ key: "abcdefgh", scopes: ["write"] });
    expect(parseApiKeyList("aaaaaaaa:read; bbbbbbbb:admin cccccccc:write")).toHaveLength(3);
    expect(() => parseApiKey("short:read")).toThrow(/at least 8/);
    expect(() => parseApiKey("abcdefgh:root")).toThrow(/scope "root"/);
  });

  it("checks scopes: 401 missing or unknown, 403 lacking, admin implies all", () => {
    const keys = new ApiKeys(
      [parseApiKey("writer00:write"), parseApiKey("reader00:read"), parseApiKey("admin000:admin")],
      false,
    );
    expect(status(() => keys.require(undefined, "write"))).toBe(401);
    expect(status(() => keys.require("nope0000", "write"))).toBe(401);
    expect(status(() => keys.require("reader00", "write"))).toBe(403);
    expect(status(() => keys.require("writer00", "write"))).toBeUndefined();
    expect(status(() => keys.require("writer00", "read"))).toBe(403);
    expect(status(() => keys.require("admin000", "write"))).toBeUndefined();
    expect(status(() => keys.require(undefined, "read"))).toBe(401);
    expect(status(() => new ApiKeys([parseApiKey("writer00:write")], true).require(undefined, "read"))).toBeUndefined();
    expect(status(() => new ApiKeys([]).require(undefined, "admin"))).toBeUndefined();
  });
});
