/**
 * Bad input on every JSON route is a 4xx with a coded reason, never a 5xx carrying an internal
 * message (issue 12, item 9: a 10,000-deep body made a follower answer 503 "Maximum call stack
 * size exceeded; retry").
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiErrorCode } from "../../src/errors.js";
import { type ErrorBody, startApp, type TestApp } from "./helpers.js";

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(async () => {
  await t?.close();
});

const deepArray = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
const deepObject = `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`;
/** Deep inside fields a route reads: the nesting is refused before any validation walks it. */
const deepInPoint = `[{"name":"deep","value":1,"tags":${deepObject}}]`;
const deepInDashboard = `{"id":"deep","title":"t","panels":[],"extra":${deepArray}}`;

const routes: Array<[method: string, path: string, contentType: string | undefined]> = [
  ["POST", "/api/v1/dashboards", "application/json"],
  ["PUT", "/api/v1/dashboards/deep", "application/json"],
  ["POST", "/api/v1/metrics", "application/json"],
  ["POST", "/api/v1/metrics", undefined], // sniffed as JSON
];

describe("JSON nesting on every JSON route", () => {
  for (const [method, path, type] of routes)
    for (const [name, body] of [
      ["array", deepArray],
      ["object", deepObject],
      ["point", deepInPoint],
      ["dashboard", deepInDashboard],
    ] as const)
      it(`${method} ${path} (${type ?? "no content-type"}) refuses a 10,000-deep ${name} with 400`, async () => {
        const res = await fetch(t.url(path), {
          method,
          headers: type === undefined ? {} : { "content-type": type },
          // Bytes, so fetch adds no content-type of its own.
          body: Buffer.from(body),
        });
        expect(res.status).toBe(400);
        const sent = (await res.json()) as ErrorBody;
        expect(sent.error.code).toBe(ApiErrorCode.InvalidField);
        expect(sent.error.message).toMatch(/nests deeper than 64 levels/);
      });

  it("stored nothing and keeps serving", async () => {
    expect((await fetch(t.url("/api/v1/dashboards/deep"))).status).toBe(404);
    expect((await fetch(t.url("/api/v1/series?match=deep"))).status).toBe(200);
    expect(((await (await fetch(t.url("/api/v1/series?match=deep"))).json()) as { series: unknown[] }).series).toEqual(
      [],
    );
  });
});

describe("unreadable bodies", () => {
  it("answers broken gzip with a coded 400 that does not echo the decoder's internals", async () => {
    const res = await fetch(t.url("/api/v1/metrics"), {
      method: "POST",
      headers: { "content-type": "text/plain", "content-encoding": "gzip" },
      body: "not gzip at all",
    });
    expect(res.status).toBe(400);
    const sent = (await res.json()) as ErrorBody;
    expect(sent.error.code).toBe(ApiErrorCode.InvalidField);
    expect(sent.error.message).toBe("body: could not be read (invalid gzip data or cut short)");
  });
});
