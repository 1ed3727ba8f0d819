import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DashboardStore } from "./dashboard-store.js";

const dirs: string[] = [];
async function store(): Promise<DashboardStore> {
  const dataDir = await mkdtemp(join(tmpdir(), "dashwire-sync-"));
  dirs.push(dataDir);
  return DashboardStore.open({ dataDir, warn: () => {} });
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe("DashboardStore replication", () => {
  it("applies the leader's changes in revision order, ignoring stale ones", async () => {
    const leader = await store();
    const replica = await store();
    await leader.put("a", { title: "A1", panels: [] });
    const first = leader.changeOf("a");
    await leader.put("a", { title: "A2", panels: [] });
    const second = leader.changeOf("a");
    expect(second.rev).toBeGreaterThan(first.rev);
    expect(await replica.applyChange(second)).toBe(true);
    expect(await replica.applyChange(first)).toBe(false); // late: older
    expect(replica.get("a")?.title).toBe("A2");
    await leader.delete("a");
    expect(await replica.applyChange(leader.changeOf("a"))).toBe(true);
    expect(replica.get("a")).toBeUndefined();
    expect(await replica.applyChange(second)).toBe(false); // a deleted one does not come back
  });

  it("a deleted edit of a built-in brings the built-in back", async () => {
    const leader = await store();
    const replica = await store();
    await leader.put("demo", { title: "Edited", panels: [] });
    await replica.applyChange(leader.changeOf("demo"));
    expect(replica.get("demo")?.title).toBe("Edited");
    await replica.applyChange({ rev: leader.changeOf("demo").rev + 1, id: "demo" });
    expect(replica.get("demo")?.title).not.toBe("Edited");
    expect(replica.get("demo")?.panels.length).toBeGreaterThan(0);
  });

  it("replaceAll copies the leader, keeps newer local changes, and a read-only replica leaves the file alone", async () => {
    const leader = await store();
    const replica = await store();
    await replica.put("stale", { title: "only here", panels: [] });
    await replica.setWritable(false);
    await leader.put("x", { title: "X", panels: [] });
    await replica.replaceAll(leader.snapshot());
    expect(replica.list().map((d) => d.id)).toContain("x");
    expect(replica.get("stale")).toBeUndefined();
    // Not writable: the file still has what was there before.
    expect(await readFile(replica.file, "utf8")).toContain("stale");
    await replica.setWritable(true); // becomes leader: writes its state now
    expect(await readFile(replica.file, "utf8")).not.toContain("stale");
  });
});
