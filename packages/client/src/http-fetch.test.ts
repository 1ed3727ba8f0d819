import { CloseCode } from "@dashwire/protocol";
import { describe, expect, it } from "vitest";
import { refusal, transportUrl } from "./http-fetch.js";

describe("transportUrl", () => {
  it("derives the HTTP routes from the WebSocket endpoint, keeping its query", () => {
    expect(transportUrl("ws://h:8080/dashwire", "sse")).toBe("http://h:8080/dashwire/sse");
    expect(transportUrl("wss://h/dashwire/", "poll")).toBe("https://h/dashwire/poll");
    expect(transportUrl("https://h/a/b?token=x#frag", "send", { tid: "T-1" })).toBe(
      "https://h/a/b/send?token=x&tid=T-1",
    );
  });
});

describe("refusal", () => {
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

  it("takes the server's close code from its error body", async () => {
    expect(
      await refusal(json(403, { error: { code: CloseCode.ForbiddenOrigin, message: "origin not allowed" } })),
    ).toEqual({ code: CloseCode.ForbiddenOrigin, reason: "origin not allowed" });
    expect(await refusal(json(429, { error: { code: CloseCode.TooManyConnections, message: "refused" } }))).toEqual({
      code: CloseCode.TooManyConnections,
      reason: "refused",
    });
  });

  it("treats a refusal without dashwire's body (a proxy's) as a network failure, so the client falls back", async () => {
    expect(await refusal(new Response("<h1>Blocked</h1>", { status: 403 }))).toEqual({
      code: 1006,
      reason: "HTTP 403",
    });
    expect(await refusal(json(502, { error: { code: "x" } }))).toEqual({ code: 1006, reason: "HTTP 502" });
    expect(await refusal(new Response("", { status: 413 }))).toEqual({
      code: CloseCode.MessageTooBig,
      reason: "HTTP 413",
    });
  });
});
