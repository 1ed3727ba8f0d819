import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { agentKey } from "./agent-auth.js";

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const basic = (s: string) => `Basic ${Buffer.from(s).toString("base64")}`;

describe("agent keys", () => {
  it("reads ?p=, Basic (password, else user), Bearer, Token and X-API-Key", () => {
    expect(agentKey(req({}), new URLSearchParams("u=telegraf&p=k1"))).toBe("k1");
    expect(agentKey(req({ authorization: basic("telegraf:k2") }))).toBe("k2");
    expect(agentKey(req({ authorization: basic("k3:") }))).toBe("k3");
    expect(agentKey(req({ authorization: basic("k4") }))).toBe("k4");
    expect(agentKey(req({ authorization: basic(":") }))).toBeUndefined();
    expect(agentKey(req({ authorization: "Bearer k5" }))).toBe("k5");
    expect(agentKey(req({ authorization: "Token k6" }))).toBe("k6");
    expect(agentKey(req({ "x-api-key": "k7" }))).toBe("k7");
    expect(agentKey(req({}))).toBeUndefined();
  });

  it("ignores an oversized Basic credential", () => {
    expect(agentKey(req({ authorization: `Basic ${"A".repeat(5000)}` }))).toBeUndefined();
  });
});
