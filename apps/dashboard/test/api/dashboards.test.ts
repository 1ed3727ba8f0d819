import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dashboard } from "../../src/dashboards/dashboard-schema.js";
import { ApiErrorCode } from "../../src/errors.js";
import { type ErrorBody, getJson, send, startApp } from "./helpers.js";

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "dashwire-dashboards-"));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

const ops: Dashboard = {
  id: "ops",
  title: "Ops",
  panels: [
    { id: "p1", kind: "timeseries", title: "CPU", series: ["cpu.usage,host=web-1"], windowSec: 300, maxRate: 2 },
    {
      id: "p2",
      kind: "stat",
      title: "RPS",
      series: ["http.requests_per_sec,service=api"],
      thresholds: [{ value: 1, color: "red" }],
    },
  ],
};

describe("dashboards API", () => {
  it("does CRUD and keeps dashboards across a restart", async () => {
    {
      await using t = await startApp({ dataDir });
      const list = await getJson<{ dashboards: Dashboard[] }>(t.url("/api/v1/dashboards"));
      expect(list.body.dashboards.map((d) => d.id)).toEqual(["demo", "system"]);
      const demo = await getJson<Dashboard>(t.url("/api/v1/dashboards/demo"));
      expect(demo.body.panels.length).toBeGreaterThan(3);

      const created = await send("POST", t.url("/api/v1/dashboards"), ops);
      expect(created.status).toBe(201);
      expect(created.headers.get("location")).toBe("/api/v1/dashboards/ops");
      expect(created.body).toEqual(ops);
      const untitled = await send("POST", t.url("/api/v1/dashboards"), { title: "Team Board", panels: [] });
      expect(untitled.body).toMatchObject({ id: "team-board" });

      const updated = await send("PUT", t.url("/api/v1/dashboards/ops"), { ...ops, title: "Ops (v2)" });
      expect(updated.status).toBe(200);
      const upserted = await send("PUT", t.url("/api/v1/dashboards/new-one"), { title: "New", panels: [] });
      expect(upserted.status).toBe(201);
      expect((await send("DELETE", t.url("/api/v1/dashboards/team-board"))).status).toBe(204);
      expect((await getJson<ErrorBody>(t.url("/api/v1/dashboards/team-board"))).status).toBe(404);
    }
    // A new app on the same data dir: same dashboards.
    await using again = await startApp({ dataDir });
    const list = await getJson<{ dashboards: Dashboard[] }>(again.url("/api/v1/dashboards"));
    expect(list.body.dashboards.map((d) => d.id)).toEqual(["demo", "system", "new-one", "ops"]);
    expect((await getJson<Dashboard>(again.url("/api/v1/dashboards/ops"))).body.title).toBe("Ops (v2)");
  });

  it("answers invalid dashboards with a 400 naming the field", async () => {
    await using t = await startApp();
    const cases: Array<[unknown, RegExp]> = [
      [{ title: "x" }, /^panels: /],
      [{ title: "x", panels: [{ ...ops.panels[0], kind: "pie" }] }, /^panels\.0\.kind: /],
      [{ title: "x", panels: [{ ...ops.panels[0], maxRate: -1 }] }, /^panels\.0\.maxRate: /],
      [{ title: "x", panels: [{ ...ops.panels[0], series: ["has,no-equals"] }] }, /^panels\.0\.series\.0: /],
      [{ title: "x", panels: [], extra: 1 }, /Unrecognized key: "extra"/],
      ["{broken", /invalid JSON/],
    ];
    for (const [body, message] of cases) {
      const res = await send("POST", t.url("/api/v1/dashboards"), body);
      expect(res.status).toBe(400);
      expect((res.body as ErrorBody).error).toMatchObject({
        code: ApiErrorCode.InvalidField,
        message: expect.stringMatching(message),
      });
    }
    const mismatch = await send("PUT", t.url("/api/v1/dashboards/a"), { id: "b", title: "x", panels: [] });
    expect((mismatch.body as ErrorBody).error.message).toMatch(/does not match/);
  });

  it("lists every field at fault, so an import can show each (at most 20)", async () => {
    await using t = await startApp();
    const body = {
      title: "",
      panels: [
        { ...ops.panels[0], kind: "pie" },
        { ...ops.panels[1], maxRate: 0, colour: "red" },
      ],
    };
    const res = await send("POST", t.url("/api/v1/dashboards"), body);
    expect(res.status).toBe(400);
    const error = (res.body as ErrorBody).error;
    expect(error.message).toMatch(/^title: .* \(and 3 more\)$/);
    expect(error.fields?.map((f) => f.path)).toEqual(["title", "panels.0.kind", "panels.1.maxRate", "panels.1"]);
    expect(error.fields?.[3]?.message).toBe('Unrecognized key: "colour"');
    const many = {
      title: "x",
      panels: Array.from({ length: 30 }, (_, i) => ({ ...ops.panels[0], id: `p${i}`, kind: "pie" })),
    };
    expect(((await send("POST", t.url("/api/v1/dashboards"), many)).body as ErrorBody).error.fields).toHaveLength(20);
  });

  it("refuses duplicates (409), deleting built-ins (403), unknown ids (404) and wrong methods (405)", async () => {
    await using t = await startApp();
    expect((await send("POST", t.url("/api/v1/dashboards"), ops)).status).toBe(201);
    const dup = await send("POST", t.url("/api/v1/dashboards"), ops);
    expect(dup.status).toBe(409);
    expect((dup.body as ErrorBody).error.code).toBe(ApiErrorCode.Conflict);
    const builtin = await send("DELETE", t.url("/api/v1/dashboards/system"));
    expect(builtin.status).toBe(403);
    expect((builtin.body as ErrorBody).error.code).toBe(ApiErrorCode.Forbidden);
    expect((await send("DELETE", t.url("/api/v1/dashboards/nope"))).status).toBe(404);
    const patch = await send("PATCH", t.url("/api/v1/dashboards/ops"), {});
    expect(patch.status).toBe(405);
    expect((patch.body as ErrorBody).error.code).toBe(ApiErrorCode.MethodNotAllowed);
  });

  it("needs the admin scope to change dashboards when keys are configured", async () => {
    await using t = await startApp({
      apiKeys: [
        { key: "writer-key-1", scopes: ["write"] },
        { key: "admin-key-01", scopes: ["admin"] },
      ],
    });
    expect((await send("POST", t.url("/api/v1/dashboards"), ops)).status).toBe(401);
    expect(
      (await send("POST", t.url("/api/v1/dashboards"), ops, { authorization: "Bearer writer-key-1" })).status,
    ).toBe(403);
    expect((await send("POST", t.url("/api/v1/dashboards"), ops, { "x-api-key": "admin-key-01" })).status).toBe(201);
    expect((await getJson(t.url("/api/v1/dashboards/ops"))).status).toBe(200); // reads stay public
  });

  it("requires the read scope for reads with publicRead off", async () => {
    await using t = await startApp({ apiKeys: [{ key: "reader-key-1", scopes: ["read"] }], publicRead: false });
    expect((await getJson(t.url("/api/v1/dashboards"))).status).toBe(401);
    expect((await getJson(t.url("/api/v1/query?series=x"))).status).toBe(401);
    expect((await getJson(t.url("/api/v1/dashboards"), { authorization: "Bearer reader-key-1" })).status).toBe(200);
  });
});
