/**
 * `GET /api/v1/tags/:key/values`: the values a tag takes among the series matching a prefix,
 * sorted and each once; bounded and checked like the other read routes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TagValuesAnswer } from "../../src/api/tag-routes.js";
import { type ErrorBody, getJson, post, startApp, type TestApp } from "./helpers.js";

let t: TestApp;
const values = (key: string, match?: string, headers: Record<string, string> = {}) =>
  getJson<TagValuesAnswer & Partial<ErrorBody>>(
    t.url(
      `/api/v1/tags/${encodeURIComponent(key)}/values${match === undefined ? "" : `?match=${encodeURIComponent(match)}`}`,
    ),
    headers,
  );

beforeAll(async () => {
  t = await startApp({
    apiKeys: [
      { key: "reader-123", scopes: ["read"] },
      { key: "writer-123", scopes: ["write"] },
    ],
    publicRead: false,
  });
  const points = [
    { name: "cpu.usage", tags: { host: "web-2", dc: "eu" }, value: 1 },
    { name: "cpu.usage", tags: { host: "web-1", dc: "eu" }, value: 1 },
    { name: "cpu.usage", tags: { host: "db-1", dc: "us" }, value: 1 },
    { name: "cpu.usage_idle", tags: { host: "idle-1" }, value: 1 },
    { name: "mem.used", tags: { host: "web-1" }, value: 1 },
    { name: "temp", tags: { "rack/slot": "温度 1" }, value: 1 },
  ];
  expect((await post(t.url("/api/v1/metrics"), points, { authorization: "Bearer writer-123" })).status).toBe(200);
});
afterAll(() => t.close());

const auth = { authorization: "Bearer reader-123" };

describe("GET /api/v1/tags/:key/values", () => {
  it("lists a tag's values among the series matching the prefix, sorted, each once", async () => {
    expect((await values("host", "cpu.usage,", auth)).body).toEqual({
      key: "host",
      values: ["db-1", "web-1", "web-2"],
    });
    // A bare prefix also matches longer names (as /series does).
    expect((await values("host", "cpu.usage", auth)).body.values).toEqual(["db-1", "idle-1", "web-1", "web-2"]);
    expect((await values("host", undefined, auth)).body.values).toEqual(["db-1", "idle-1", "web-1", "web-2"]);
    expect((await values("dc", "cpu.usage,", auth)).body.values).toEqual(["eu", "us"]);
    expect((await values("nope", "", auth)).body).toEqual({ key: "nope", values: [] });
    // Any tag key, URL-encoded (a "/" too), and Unicode values as written.
    expect((await values("rack/slot", "temp", auth)).body.values).toEqual(["温度 1"]);
  });

  it("refuses a key too long in bytes or a match too long, and needs the read scope", async () => {
    const long = await values("é".repeat(65), "", auth);
    expect(long.status).toBe(400);
    expect(long.body.error?.message).toMatch(/^key: 1 to 128 bytes/);
    expect((await values("host", "x".repeat(1025), auth)).status).toBe(400);
    expect((await values("host", "cpu")).status).toBe(401);
    expect((await values("host", "cpu", { authorization: "Bearer writer-123" })).status).toBe(403);
  });
});
