import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ApiError, ApiErrorCode } from "../errors.js";
import { SqliteStore } from "../store/sqlite-store.js";
import { Dashboards, LEGACY_DASHBOARDS_FILE } from "./dashboards.js";

let dir: string;
let stores: SqliteStore[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "dashwire-dash-"));
});
afterEach(async () => {
  for (const s of stores) await s.close();
  stores = [];
  await rm(dir, { recursive: true, force: true });
});

const panel = { id: "p1", kind: "stat", title: "CPU", series: ["cpu.usage,host=a"] };

async function open(options: { maxDashboards?: number; warn?: (m: string) => void } = {}): Promise<Dashboards> {
  const store = new SqliteStore({ dataDir: dir });
  stores.push(store);
  return Dashboards.open(store, { dataDir: dir, maxDashboards: 1000, warn: () => {}, ...options });
}

async function rejects(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected an ApiError");
}

describe("Dashboards", () => {
  it("has the built-ins, stores changes and reads them back after a restart", async () => {
    const store = await open();
    expect((await store.list()).map((d) => d.id)).toEqual(["demo", "system"]);
    const created = await store.create({ title: "My Board!", panels: [panel] });
    expect(created.dashboard.id).toBe("my-board");
    expect((await store.create({ title: "My Board!", panels: [] })).dashboard.id).toBe("my-board-2");
    await store.put("demo", { title: "Demo (edited)", panels: [] }, undefined);
    await store.delete("my-board-2", undefined);

    const again = await open();
    expect((await again.list()).map((d) => d.id)).toEqual(["demo", "system", "my-board"]);
    expect((await again.get("demo"))?.dashboard.title).toBe("Demo (edited)");
    expect((await again.get("my-board"))?.dashboard.panels[0]).toEqual(panel);
  });

  it("versions every write and refuses a stale one (412), built-ins included", async () => {
    const store = await open();
    expect((await store.get("system"))?.version).toBe(0);
    const edited = await store.put("system", { title: "S", panels: [] }, [0]);
    expect(edited.version).toBeGreaterThan(0);
    const stale = await rejects(store.put("system", { title: "S2", panels: [] }, [0]));
    expect([stale.status, stale.code]).toEqual([412, ApiErrorCode.PreconditionFailed]);
    const mine = await store.create({ id: "x", title: "X", panels: [] });
    const next = await store.put("x", { title: "X2", panels: [] }, [mine.version]);
    expect((await rejects(store.put("x", { title: "X3", panels: [] }, [mine.version]))).status).toBe(412);
    expect((await rejects(store.delete("x", [mine.version]))).status).toBe(412);
    // Any of several ETags, or "*" (exists), also match.
    await store.put("x", { title: "X4", panels: [] }, [1234, next.version]);
    expect((await rejects(store.put("nope", { title: "N", panels: [] }, "*"))).status).toBe(412);
    const current = (await store.get("x"))?.version as number;
    await store.delete("x", [current]);
    expect(await store.get("x")).toBeUndefined();
  });

  it("validates with errors that name the field", async () => {
    const store = await open();
    const cases: Array<[unknown, RegExp]> = [
      [{ title: "", panels: [] }, /^title: /],
      [{ title: "x", panels: [{ ...panel, kind: "pie" }] }, /^panels\.0\.kind: /],
      [{ title: "x", panels: [{ ...panel, series: ["cpu,host"] }] }, /^panels\.0\.series\.0: must be a series id/],
      [{ title: "x", panels: [panel, panel] }, /^panels\.1\.id: duplicate panel id p1/],
      [{ title: "x", panels: [{ ...panel, colour: "red" }] }, /^panels\.0: Unrecognized key: "colour"/],
      [{ id: "bad id", title: "x", panels: [] }, /^id: /],
      [
        { title: "x", panels: [{ ...panel, thresholds: [{ value: "1", color: "red" }] }] },
        /^panels\.0\.thresholds\.0\.value/,
      ],
    ];
    for (const [body, message] of cases) {
      const err = await rejects(store.create(body));
      expect(err.status).toBe(400);
      expect(err.code).toBe(ApiErrorCode.InvalidField);
      expect(err.message).toMatch(message);
    }
  });

  it("refuses duplicates, deleting built-ins, unknown ids, id mismatches and going past the limit", async () => {
    const store = await open({ maxDashboards: 3 });
    await store.create({ id: "a", title: "A", panels: [] });
    expect((await rejects(store.create({ id: "a", title: "A", panels: [] }))).status).toBe(409);
    expect((await rejects(store.create({ id: "demo", title: "A", panels: [] }))).status).toBe(409);
    expect((await rejects(store.delete("demo", undefined))).status).toBe(403);
    expect((await rejects(store.delete("nope", undefined))).status).toBe(404);
    expect((await rejects(store.put("a", { id: "b", title: "A", panels: [] }, undefined))).message).toMatch(
      /does not match/,
    );
    const full = await rejects(store.create({ id: "b", title: "B", panels: [] }));
    expect(full.code).toBe(ApiErrorCode.LimitReached);
    const replaced = await store.put("a", { title: "A2", panels: [] }, undefined);
    expect(replaced.created).toBe(false);
  });

  it("imports the dashboards.json of an older version once, skipping invalid entries", async () => {
    // The format dashwire 0.1 wrote: { version: 1, dashboards: [...] } in the data dir.
    await writeFile(
      join(dir, LEGACY_DASHBOARDS_FILE),
      JSON.stringify({
        version: 1,
        dashboards: [
          { id: "ok", title: "Ok", panels: [panel] },
          { id: "bad" },
          { id: "demo", title: "Mine", panels: [] },
        ],
      }),
    );
    const warnings: string[] = [];
    const store = await open({ warn: (m) => warnings.push(m) });
    expect((await store.get("ok"))?.dashboard.panels).toEqual([panel]);
    expect((await store.get("demo"))?.dashboard.title).toBe("Mine");
    expect(await store.get("bad")).toBeUndefined();
    expect(warnings.join("\n")).toMatch(/skipped an invalid dashboard: title/);
    expect(await readdir(dir)).toContain(`${LEGACY_DASHBOARDS_FILE}.imported`);
    expect(await readdir(dir)).not.toContain(LEGACY_DASHBOARDS_FILE);
    await store.put("ok", { title: "Ok2", panels: [] }, undefined);
    // A second start does not import again (the edit stays).
    expect((await (await open()).get("ok"))?.dashboard.title).toBe("Ok2");
  });

  it("imports nothing from an unreadable dashboards.json, and says so", async () => {
    await writeFile(join(dir, LEGACY_DASHBOARDS_FILE), "{not json");
    const warnings: string[] = [];
    const store = await open({ warn: (m) => warnings.push(m) });
    expect(await store.list()).toHaveLength(2);
    expect(warnings[0]).toMatch(/unreadable/);
  });
});
