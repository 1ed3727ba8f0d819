/**
 * The store through the HTTP API: a retried batch changes nothing, 20 clients editing one
 * dashboard with GET → PUT If-Match lose no update, series are deleted by `match`, and a data
 * dir whose schema is newer than this dashwire is refused instead of misread.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiErrorCode } from "../../src/errors.js";
import { SQLITE_SCHEMA_VERSION } from "../../src/store/sqlite-schema.js";
import { SQLITE_FILE, SqliteStore } from "../../src/store/sqlite-store.js";
import { getJson, post, type QueryBody, startApp, type TestApp } from "../api/helpers.js";

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

const query = (id: string, from: number, step: number) =>
  getJson<QueryBody>(t.url(`/api/v1/query?series=${id}&from=${from}&to=${Date.now()}&step=${step}`));

describe("the store over HTTP", () => {
  it("a retried batch (JSON and line protocol) changes nothing at any resolution", async () => {
    const base = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
    const json = Array.from({ length: 30 }, (_, i) => ({ name: "retry.j", value: i, ts: base + i * 2500 }));
    const lines = Array.from({ length: 30 }, (_, i) => `retry_l v=${i} ${base + i * 2500}`).join("\n");
    const send = async () => {
      expect((await post(t.url("/api/v1/metrics"), json)).body).toEqual({ accepted: 30 });
      expect((await post(t.url("/api/v1/metrics?precision=ms"), lines)).body).toEqual({ accepted: 30 });
    };
    const read = () =>
      Promise.all(
        ["retry.j", "retry_l.v"].flatMap((id) => [1000, 10_000, 60_000].map((step) => query(id, base - 1000, step))),
      );
    await send();
    const once = (await read()).map((r) => r.body.points);
    expect(once[2]).toEqual([
      [base, 24, 276, 0, 23, 23],
      [base + 60_000, 6, 159, 24, 29, 29],
    ]);
    await send();
    await send();
    expect((await read()).map((r) => r.body.points)).toEqual(once);
  });

  it("20 clients doing GET → PUT If-Match on one dashboard: conflicts get 412, no update is lost", async () => {
    const url = t.url("/api/v1/dashboards/rmw");
    const created = await fetch(url, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "RMW", panels: [] }),
    });
    expect(created.status).toBe(201);
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async (_, c) => {
        for (;;) {
          const got = await fetch(url);
          const etag = got.headers.get("etag") as string;
          const d = (await got.json()) as { title: string; panels: Array<{ id: string }> };
          const panels = [...d.panels, { id: `p${c}`, kind: "stat", title: `client ${c}`, series: [] }];
          const put = await fetch(url, {
            method: "PUT",
            headers: { "content-type": "application/json", "if-match": etag },
            body: JSON.stringify({ ...d, panels }),
          });
          statuses.push(put.status);
          if (put.status === 200) return;
          expect(put.status).toBe(412);
          expect(((await put.json()) as { error: { code: number } }).error.code).toBe(ApiErrorCode.PreconditionFailed);
        }
      }),
    );
    const final = (await (await fetch(url)).json()) as { panels: Array<{ id: string }> };
    expect(final.panels.map((p) => p.id).sort()).toEqual(Array.from({ length: 20 }, (_, c) => `p${c}`).sort());
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.some((s) => s === 412)).toBe(true);
    // A stale DELETE is refused too; the current ETag deletes.
    const stale = await fetch(url, { method: "DELETE", headers: { "if-match": '"1"' } });
    expect(stale.status).toBe(412);
    const etag = (await fetch(url)).headers.get("etag") as string;
    expect((await fetch(url, { method: "DELETE", headers: { "if-match": etag } })).status).toBe(204);
  });

  it("deletes series by id or prefix*, with their data, and frees their slots", async () => {
    const now = Date.now();
    for (const name of ["del.a", "del.b", "delx"])
      expect((await post(t.url("/api/v1/metrics"), { name, value: 1, ts: now - 1000 })).status).toBe(200);
    const before = await t.app.store.seriesCount();
    const del = (match: string) =>
      fetch(t.url(`/api/v1/series?match=${encodeURIComponent(match)}`), { method: "DELETE" });
    expect(await (await del("del.a")).json()).toEqual({ deleted: 1 });
    expect(await (await del("del.*")).json()).toEqual({ deleted: 1 });
    expect(await t.app.store.seriesCount()).toBe(before - 2);
    expect((await getJson<{ series: unknown[] }>(t.url("/api/v1/series?match=del"))).body.series).toEqual([
      { id: "delx", name: "delx", tags: {} },
    ]);
    expect((await query("del.a", now - 60_000, 1000)).body.points).toEqual([]);
    const missing = await del("");
    expect(missing.status).toBe(400);
  });
});

it("refuses a data dir written by a newer dashwire", async () => {
  const dir = await mkdtemp(join(tmpdir(), "dashwire-newer-"));
  try {
    const db = new Database(join(dir, SQLITE_FILE));
    db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => new SqliteStore({ dataDir: dir })).toThrow(/newer than this dashwire understands/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
