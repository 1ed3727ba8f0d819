import { CloseCode } from "@dashwire/protocol";
import { describe, expect, it } from "vitest";
import type { Client } from "./client.js";
import { disconnectCommand, runDisconnect } from "./user-disconnect.js";

describe("disconnect command", () => {
  const fake = (id: string, user: string | undefined, closed: [string, number, string][]): Client =>
    ({
      id,
      user: user === undefined ? undefined : { id: user },
      disconnect: (code: number, reason: string) => closed.push([id, code, reason]),
    }) as unknown as Client;

  it("closes the user's connections (or the one named), terminal unless reconnect", () => {
    const closed: [string, number, string][] = [];
    const clients = [
      fake("s1", "ann", closed),
      fake("s2", "ann", closed),
      fake("s3", "bob", closed),
      fake("s4", undefined, closed),
    ];
    expect(runDisconnect(clients, disconnectCommand("ann", {}))).toBe(2);
    expect(closed).toEqual([
      ["s1", CloseCode.ForceDisconnect, "disconnected by the server"],
      ["s2", CloseCode.ForceDisconnect, "disconnected by the server"],
    ]);
    closed.length = 0;
    expect(runDisconnect(clients, disconnectCommand("ann", { client: "s2", reconnect: true, reason: "x" }))).toBe(1);
    expect(closed).toEqual([["s2", CloseCode.ForceReconnect, "x"]]);
    expect(disconnectCommand("u", { reason: "é".repeat(100) }).reason).toBe("é".repeat(61));
  });
});
