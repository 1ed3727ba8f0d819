import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ApiError, ApiErrorCode } from "../errors.js";
import { DASHBOARDS_FILE, DashboardStore } from "./dashboard-store.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "dashwire-dash-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const panel = { id: "p1", kind: "stat", title: "CPU", series: ["cpu.usage,host=a"] };

async function rejects(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected an ApiError");
}

describe("DashboardStore", () => {
  it("has the built-ins, persists changes atomically and reloads them", async () => {
    const store = await DashboardStore.open({ dataDir: dir });
    expect(store.list().map((d) => d.id)).toEqual(["demo", "system"]);
    const created = await store.create({ title: "My Board!", panels: [panel] });
    expect(created.id).toBe("my-board");
    expect((await store.create({ title: "My Board!", panels: [] })).id).toBe("my-board-2");
    await store.put("demo", { title: "Demo (edited)", panels: [] });
    await store.delete("my-board-2");
    expect(await readdir(dir)).toEqual([DASHBOARDS_FILE]); // no temp files left behind

    const again = await DashboardStore.open({ dataDir: dir });
    expect(again.list().map((d) => d.id)).toEqual(["demo", "system", "my-board"]);
    expect(again.get("demo")?.title).toBe("Demo (edited)");
    expect(again.get("my-board")?.panels[0]).toEqual(panel);
  });

  it("validates with errors that name the field", async () => {
    const store = await DashboardStore.open({ dataDir: dir });
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
    const store = await DashboardStore.open({ dataDir: dir, maxDashboards: 3 });
    await store.create({ id: "a", title: "A", panels: [] });
    expect((await rejects(store.create({ id: "a", title: "A", panels: [] }))).status).toBe(409);
    expect((await rejects(store.delete("demo"))).status).toBe(403);
    expect((await rejects(store.delete("nope"))).status).toBe(404);
    expect((await rejects(store.put("a", { id: "b", title: "A", panels: [] }))).message).toMatch(/does not match/);
    const full = await rejects(store.create({ id: "b", title: "B", panels: [] }));
    expect(full.code).toBe(ApiErrorCode.LimitReached);
    const replaced = await store.put("a", { title: "A2", panels: [] });
    expect(replaced.created).toBe(false);
  });

  it("moves an unreadable file aside and skips invalid entries", async () => {
    await writeFile(join(dir, DASHBOARDS_FILE), "{not json");
    const warnings: string[] = [];
    const store = await DashboardStore.open({ dataDir: dir, warn: (m) => warnings.push(m) });
    expect(store.list()).toHaveLength(2);
    expect(warnings[0]).toMatch(/unreadable/);
    expect((await readdir(dir)).some((f) => f.startsWith(`${DASHBOARDS_FILE}.corrupt-`))).toBe(true);

    await writeFile(
      join(dir, DASHBOARDS_FILE),
      JSON.stringify({ version: 1, dashboards: [{ id: "ok", title: "Ok", panels: [] }, { id: "bad" }] }),
    );
    const again = await DashboardStore.open({ dataDir: dir, warn: (m) => warnings.push(m) });
    expect(again.get("ok")?.title).toBe("Ok");
    expect(again.get("bad")).toBeUndefined();
    expect(warnings[1]).toMatch(/skipped an invalid dashboard: title/);
    await again.flush();
    expect(JSON.parse(await readFile(join(dir, DASHBOARDS_FILE), "utf8")).dashboards).toHaveLength(2);
  });
});
