import { describe, expect, it } from "vitest";
import { parseListenAddress } from "./listen-address.js";

describe("parseListenAddress", () => {
  it("reads host:port, [ipv6]:port, and :port or a port alone on the default host", () => {
    expect(parseListenAddress("127.0.0.1:2003", "h")).toEqual({ host: "127.0.0.1", port: 2003 });
    expect(parseListenAddress("[::1]:8125", "h")).toEqual({ host: "::1", port: 8125 });
    expect(parseListenAddress(":2003", "10.0.0.1")).toEqual({ host: "10.0.0.1", port: 2003 });
    expect(parseListenAddress("8125", "10.0.0.1")).toEqual({ host: "10.0.0.1", port: 8125 });
  });
  it("refuses anything else", () => {
    for (const t of ["", "host", "host:", "host:99999", "::1:80", "a:b:1"])
      expect(() => parseListenAddress(t, "h"), t).toThrow();
  });
});
