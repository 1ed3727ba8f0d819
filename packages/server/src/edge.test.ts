import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { hostAllowed, hostName, normalizeAllowedHosts } from "./edge.js";

/** A request as `hostAllowed` reads it: the Host header and the local address it arrived at. */
function req(host: string | undefined, localAddress = "127.0.0.1"): IncomingMessage {
  return { headers: host === undefined ? {} : { host }, socket: { localAddress } } as unknown as IncomingMessage;
}

describe("hostName", () => {
  it.each([
    ["example.com", "example.com"],
    ["Example.COM:8080", "example.com"],
    ["localhost.", "localhost"],
    ["127.0.0.1:3000", "127.0.0.1"],
    ["[::1]:3000", "::1"],
    ["[::1]", "::1"],
    ["my_service:80", "my_service"],
  ])("%s → %s", (header, name) => expect(hostName(header)).toBe(name));

  it.each([
    "",
    "example.com:http",
    "example.com:",
    "[::1",
    "[not-ip]:80",
    "[::1]x",
    "a b",
    "evil.com/",
    "évil.com",
    "a..b",
    ".",
  ])("refuses %j", (header) => expect(hostName(header)).toBeUndefined());
});

describe("hostAllowed", () => {
  it("by default refuses DNS names on loopback connections only (where rebinding aims)", () => {
    const auto = normalizeAllowedHosts([]);
    expect(hostAllowed(req("evil.example:8080"), auto)).toBe(false);
    expect(hostAllowed(req("evil.example", "::ffff:127.0.0.1"), auto)).toBe(false);
    expect(hostAllowed(req("evil.example", "::1"), auto)).toBe(false);
    expect(hostAllowed(req("app.example.com", "192.0.2.2"), auto)).toBe(true);
    for (const ok of ["127.0.0.1:8080", "localhost:8080", "LOCALHOST", "app.localhost", "[::1]:80", "10.1.2.3"])
      expect(hostAllowed(req(ok), auto), ok).toBe(true);
    expect(hostAllowed(req(undefined), auto)).toBe(true);
    expect(hostAllowed(req("bad host"), auto)).toBe(false);
    expect(hostAllowed(req("bad host", "192.0.2.2"), auto)).toBe(false);
  });

  it("with a list, allows those names (and IPs, localhost) on every connection", () => {
    const list = normalizeAllowedHosts(["Dash.Example.com:443", ".corp.example"]);
    expect(list).toEqual(["dash.example.com", ".corp.example"]);
    for (const local of ["127.0.0.1", "192.0.2.2"]) {
      expect(hostAllowed(req("dash.example.com:8080", local), list)).toBe(true);
      expect(hostAllowed(req("corp.example", local), list)).toBe(true);
      expect(hostAllowed(req("a.b.corp.example", local), list)).toBe(true);
      expect(hostAllowed(req("localhost:1", local), list)).toBe(true);
      expect(hostAllowed(req("192.0.2.2:8080", local), list)).toBe(true);
      expect(hostAllowed(req("evil.example", local), list)).toBe(false);
      expect(hostAllowed(req("dash.example.com.evil.example", local), list)).toBe(false);
      expect(hostAllowed(req("evilcorp.example", local), list)).toBe(false);
    }
  });

  it('"*" allows any well-formed or malformed name', () => {
    expect(hostAllowed(req("evil.example"), ["*"])).toBe(true);
  });

  it("refuses a list entry that is not a host name at startup", () => {
    expect(() => normalizeAllowedHosts(["https://dash.example.com"])).toThrow(/not a host name/);
  });
});
