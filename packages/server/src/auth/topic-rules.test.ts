import { describe, expect, it } from "vitest";
import type { Client } from "../client.js";
import type { TopicAccess } from "../topic-config.js";
import { allOf, anyOf, hasClaim, ownTopic, type TopicRule } from "./topic-rules.js";

function access(user: Client["user"], params: Record<string, string> = {}): TopicAccess {
  return { client: { user } as Client, topic: "t", params };
}

const yes: TopicRule = () => true;
const no: TopicRule = () => false;
const later =
  (v: boolean): TopicRule =>
  async () =>
    v;

describe("ownTopic", () => {
  it("allows only the owner named by the pattern segment", () => {
    expect(ownTopic("id")(access({ id: "a" }, { id: "a" }))).toBe(true);
    expect(ownTopic("id")(access({ id: "a" }, { id: "b" }))).toBe(false);
    expect(ownTopic("id")(access(undefined, { id: "a" }))).toBe(false);
    // Neither side known must not count as a match.
    expect(ownTopic("id")(access({}, {}))).toBe(false);
    expect(ownTopic("owner")(access({ id: "a" }, { id: "a" }))).toBe(false);
  });
});

describe("hasClaim", () => {
  it("matches a claim value or an element of an array claim", () => {
    expect(hasClaim("role", "admin")(access({ id: "a", claims: { role: "admin" } }))).toBe(true);
    expect(hasClaim("roles", "admin")(access({ id: "a", claims: { roles: ["x", "admin"] } }))).toBe(true);
    expect(hasClaim("role", "admin")(access({ id: "a", claims: { role: "user" } }))).toBe(false);
    expect(hasClaim("role", undefined)(access({ id: "a", claims: {} }))).toBe(false);
    expect(hasClaim("role", "admin")(access(undefined))).toBe(false);
  });
});

describe("anyOf / allOf", () => {
  it("stay synchronous for synchronous rules", () => {
    expect(anyOf(no, yes)(access(undefined))).toBe(true);
    expect(anyOf(no, no)(access(undefined))).toBe(false);
    expect(allOf(yes, yes)(access(undefined))).toBe(true);
    expect(allOf(yes, no)(access(undefined))).toBe(false);
    expect(anyOf()(access(undefined))).toBe(false);
    expect(allOf()(access(undefined))).toBe(true);
  });

  it("await asynchronous rules in order", async () => {
    expect(await anyOf(later(false), no, later(true))(access(undefined))).toBe(true);
    expect(await anyOf(later(false), no)(access(undefined))).toBe(false);
    expect(await allOf(later(true), yes, later(false))(access(undefined))).toBe(false);
    expect(await allOf(later(true), later(true))(access(undefined))).toBe(true);
  });

  it("combine ownership with a role", () => {
    const rule = anyOf(ownTopic("id"), hasClaim("roles", "support"));
    expect(rule(access({ id: "a" }, { id: "a" }))).toBe(true);
    expect(rule(access({ id: "s", claims: { roles: ["support"] } }, { id: "a" }))).toBe(true);
    expect(rule(access({ id: "b" }, { id: "a" }))).toBe(false);
  });
});
