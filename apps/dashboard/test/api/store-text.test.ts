/**
 * Text from a request that reaches the database is text the database keeps as sent. PostgreSQL
 * refuses a NUL character in `text` (and SQLite stores it), and neither can store a lone
 * surrogate (UTF-8 has no encoding for it: it comes back as U+FFFD). Before, a NUL in a path id,
 * a `match` or `rule` parameter, or an annotation's text was a 500 with an error logged on
 * PostgreSQL, and an annotation with a lone surrogate was answered 201 with its text as sent but
 * stored as something else. Every route, on both engines: a 4xx (or a 404 for an id no object
 * can have) and nothing stored other than sent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropSchema, freshSchemaUrl } from "../../src/store/pg-test-schema.js";
import { startApp, type TestApp } from "./helpers.js";

const pgUrl = process.env.DASHWIRE_TEST_PG_URL;
const engines: Array<[string, string | undefined]> = [["sqlite", undefined]];
if (pgUrl !== undefined) engines.push(["postgres", pgUrl]);
else console.warn("store-text: PostgreSQL half skipped: none reachable and none could be started");

/** Requests whose path or query carries `bad` where an id, a prefix or a name goes. */
const pathProbes = (bad: string): Array<[string, string]> => {
  const b = encodeURIComponent(bad);
  return [
    ["GET", `/api/v1/series?match=${b}`],
    ["DELETE", `/api/v1/series?match=${b}`],
    ["GET", `/api/v1/query?series=${b}`],
    ["GET", `/api/v1/tags/${b}/values`],
    ["GET", `/api/v1/dashboards/${b}`],
    ["PUT", `/api/v1/dashboards/${b}`],
    ["DELETE", `/api/v1/dashboards/${b}`],
    ["GET", `/api/v1/alerts/${b}`],
    ["PUT", `/api/v1/alerts/${b}`],
    ["DELETE", `/api/v1/alerts/${b}`],
    ["GET", `/api/v1/alerts/history?rule=${b}`],
    ["DELETE", `/api/v1/annotations/${b}`],
    ["GET", `/api/v1/annotations?dashboard=${b}&tag=${b}`],
  ];
};

describe.each(engines)("text that reaches the store (%s)", (_engine, baseUrl) => {
  let t: TestApp;
  let schema: string | undefined;

  beforeAll(async () => {
    if (baseUrl === undefined) t = await startApp();
    else {
      const fresh = freshSchemaUrl(baseUrl);
      schema = fresh.schema;
      t = await startApp({ store: fresh.url });
    }
  });
  afterAll(async () => {
    await t?.close();
    if (baseUrl !== undefined && schema !== undefined) await dropSchema(baseUrl, schema);
  });

  it.each(["a\u0000b", "\u0000", "a\u0001", "x\u007f"])(
    "a control character in a path or a query (%j) is a 4xx",
    async (bad) => {
      for (const [method, path] of pathProbes(bad)) {
        const res = await fetch(t.url(path), {
          method,
          headers: method === "PUT" ? { "content-type": "application/json" } : {},
          body: method === "PUT" ? JSON.stringify({ title: "t", panels: [] }) : undefined,
        });
        expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${method} ${path}`).toBeLessThan(500);
      }
    },
  );

  it.each([
    ["a NUL character", "a\u0000b"],
    ["a lone surrogate", "x\ud800y"],
    ["a lone low surrogate", "\udc00"],
  ])("an annotation whose text holds %s is refused with 400, nothing stored", async (_what, text) => {
    const id = `bad-${Buffer.from(text).toString("hex").slice(0, 20)}`;
    const res = await fetch(t.url("/api/v1/annotations"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id, text }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^text: /);
    const list = (await (await fetch(t.url("/api/v1/annotations"))).json()) as { annotations: { id: string }[] };
    expect(list.annotations.map((a) => a.id)).not.toContain(id);
  });

  it("keeps text with every other character exactly as sent", async () => {
    const text = "deploy ✓ 🚀 tab\there\nnewline \ufffd é";
    const res = await fetch(t.url("/api/v1/annotations"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: "fine", text }),
    });
    expect(res.status).toBe(201);
    const list = (await (await fetch(t.url("/api/v1/annotations"))).json()) as {
      annotations: { id: string; text: string }[];
    };
    expect(list.annotations.find((a) => a.id === "fine")?.text).toBe(text);
  });
});
