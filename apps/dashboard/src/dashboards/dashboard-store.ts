/**
 * Dashboards, kept in memory and persisted as one JSON file in the data dir
 * (`<dataDir>/dashboards.json`). Every change rewrites the file atomically (write a temp file,
 * fsync, rename), so a crash leaves the old or the new file, never half of one. Writes are
 * serialized; a mutation resolves after its state is on disk.
 *
 * Built-ins are not stored unless edited, so a new version's built-ins show up; an edited
 * built-in is stored and wins. Built-ins cannot be deleted.
 */
import { mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { ApiError, ApiErrorCode } from "../errors.js";
import { zodMessage } from "../zod-message.js";
import { BUILTIN_DASHBOARD_IDS, builtinDashboards } from "./builtin-dashboards.js";
import { type Dashboard, dashboardSchema } from "./dashboard-schema.js";

/** Options of a `DashboardStore`. */
export interface DashboardStoreOptions {
  /** Directory of the JSON file (created when missing). */
  dataDir: string;
  /** Most dashboards (built-ins included); creating more is refused. */
  maxDashboards: number;
  /** Called with problems found while loading (corrupt file, invalid entries). */
  warn: (message: string) => void;
}

/** Defaults for `DashboardStoreOptions`. */
export const dashboardStoreDefaults: DashboardStoreOptions = {
  dataDir: ".data",
  maxDashboards: 1000,
  warn: (message) => process.emitWarning(message),
};

/** Name of the file in the data dir. */
export const DASHBOARDS_FILE = "dashboards.json";

/** One change as replicated between nodes: `d` undefined means deleted (a built-in: back to its default). */
export interface DashboardChange {
  /** Revision: increases with every change (wall-clock based, so it keeps increasing across leaders). */
  rev: number;
  id: string;
  d?: Dashboard;
}

/** Everything a node needs to copy the leader's dashboards. */
export interface DashboardSnapshot {
  /** The newest revision the leader knew when it took the snapshot. */
  rev: number;
  dashboards: Dashboard[];
  revs: Array<[string, number]>;
}

/** Revisions remembered for deleted dashboards (so a late, older change cannot resurrect one). */
const MAX_TOMBSTONES = 10_000;

interface StoredFile {
  version: 1;
  dashboards: unknown[];
}

/** Validates a dashboard body; throws a 400 `ApiError` naming the field. */
export function validateDashboard(body: unknown): Dashboard {
  const parsed = dashboardSchema.safeParse(body);
  if (!parsed.success) throw new ApiError(400, ApiErrorCode.InvalidField, zodMessage(parsed.error));
  return parsed.data;
}

/** Dashboards in memory with atomic JSON-file persistence. */
export class DashboardStore {
  readonly options: DashboardStoreOptions;
  readonly file: string;
  private readonly dashboards = new Map<string, Dashboard>();
  /** Ids written to the file: user dashboards and edited built-ins. */
  private readonly stored = new Set<string>();
  private writing: Promise<void> = Promise.resolve();
  private tmpCounter = 0;
  /** Revision of every changed id (deleted ones included, up to `MAX_TOMBSTONES`). */
  private readonly revs = new Map<string, number>();
  private rev = 0;
  /** False on a replica that must not write the file (workers sharing the leader's data dir). */
  private writable = true;

  private constructor(options: DashboardStoreOptions) {
    this.options = options;
    this.file = join(options.dataDir, DASHBOARDS_FILE);
  }

  /** Opens the store, loading the file when there is one. */
  static async open(options: Partial<DashboardStoreOptions> = {}): Promise<DashboardStore> {
    const store = new DashboardStore({ ...dashboardStoreDefaults, ...options });
    await store.load();
    return store;
  }

  private async load(): Promise<void> {
    for (const d of builtinDashboards()) this.dashboards.set(d.id, d);
    await mkdir(this.options.dataDir, { recursive: true });
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    let parsed: StoredFile;
    try {
      parsed = JSON.parse(text) as StoredFile;
      if (!Array.isArray(parsed.dashboards)) throw new Error("no dashboards array");
    } catch (err) {
      // Keep the unreadable file for a human to look at; start from the built-ins.
      const aside = `${this.file}.corrupt-${Date.now()}`;
      await rename(this.file, aside);
      this.options.warn(`dashboards file unreadable (${(err as Error).message}); moved to ${aside}`);
      return;
    }
    for (const raw of parsed.dashboards) {
      const r = dashboardSchema.safeParse(raw);
      if (!r.success) {
        this.options.warn(`dashboards file: skipped an invalid dashboard: ${zodMessage(r.error)}`);
        continue;
      }
      this.dashboards.set(r.data.id, r.data);
      this.stored.add(r.data.id);
    }
  }

  /** All dashboards, built-ins first then by id. */
  list(): Dashboard[] {
    return [...this.dashboards.values()].sort((a, b) => {
      const ab = BUILTIN_DASHBOARD_IDS.has(a.id) ? 0 : 1;
      const bb = BUILTIN_DASHBOARD_IDS.has(b.id) ? 0 : 1;
      return ab - bb || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    });
  }

  /** A dashboard by id. */
  get(id: string): Dashboard | undefined {
    return this.dashboards.get(id);
  }

  /** Creates a dashboard; without an id one is made from the title. 409 when the id exists. */
  async create(body: unknown): Promise<Dashboard> {
    const withId =
      typeof body === "object" && body !== null && !Array.isArray(body) && !("id" in body)
        ? { ...body, id: this.freshId((body as { title?: unknown }).title) }
        : body;
    const d = validateDashboard(withId);
    if (this.dashboards.has(d.id)) throw new ApiError(409, ApiErrorCode.Conflict, `dashboard ${d.id} already exists`);
    this.checkRoom();
    await this.save(d);
    return d;
  }

  /** Creates or replaces the dashboard `id`. The body's id, when given, must match. */
  async put(id: string, body: unknown): Promise<{ dashboard: Dashboard; created: boolean }> {
    const withId = typeof body === "object" && body !== null && !Array.isArray(body) ? { id, ...body } : body;
    const d = validateDashboard(withId);
    if (d.id !== id) throw new ApiError(400, ApiErrorCode.InvalidField, `id: ${d.id} does not match the URL (${id})`);
    const created = !this.dashboards.has(id);
    if (created) this.checkRoom();
    await this.save(d);
    return { dashboard: d, created };
  }

  /** Deletes a dashboard; built-ins are refused (403), unknown ids are 404. */
  async delete(id: string): Promise<void> {
    if (BUILTIN_DASHBOARD_IDS.has(id))
      throw new ApiError(403, ApiErrorCode.Forbidden, `dashboard ${id} is built in and cannot be deleted`);
    if (!this.dashboards.delete(id)) throw new ApiError(404, ApiErrorCode.NotFound, `no dashboard ${id}`);
    this.stored.delete(id);
    this.bump(id);
    await this.persist();
  }

  /** Resolves when every write started so far is on disk. */
  flush(): Promise<void> {
    return this.writing;
  }

  private checkRoom(): void {
    if (this.dashboards.size >= this.options.maxDashboards)
      throw new ApiError(409, ApiErrorCode.LimitReached, `dashboard limit reached (${this.options.maxDashboards})`);
  }

  private freshId(title: unknown): string {
    const base =
      (typeof title === "string" ? title : "")
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "")
        .slice(0, 48) || "dashboard";
    if (!this.dashboards.has(base)) return base;
    for (let i = 2; ; i++) if (!this.dashboards.has(`${base}-${i}`)) return `${base}-${i}`;
  }

  private async save(d: Dashboard): Promise<void> {
    this.dashboards.set(d.id, d);
    this.stored.add(d.id);
    this.bump(d.id);
    await this.persist();
  }

  private bump(id: string, rev = Math.max(this.rev + 1, Date.now())): void {
    this.rev = Math.max(this.rev, rev);
    this.revs.delete(id);
    this.revs.set(id, rev);
    if (this.revs.size > this.dashboards.size + MAX_TOMBSTONES)
      for (const old of this.revs.keys())
        if (!this.dashboards.has(old)) {
          this.revs.delete(old);
          break;
        }
  }

  /** Whether changes are written to the file; turning it on writes the current state now. */
  async setWritable(on: boolean): Promise<void> {
    const was = this.writable;
    this.writable = on;
    if (on && !was) await this.persist();
  }

  /** The change that made `id` what it is now (after a local create, put or delete). */
  changeOf(id: string): DashboardChange {
    const change: DashboardChange = { rev: this.revs.get(id) ?? 0, id };
    const d = this.stored.has(id) ? this.dashboards.get(id) : undefined;
    if (d !== undefined) change.d = d;
    return change;
  }

  /** Applies a change made on the leader; older than what is here: ignored (returns false). */
  async applyChange(change: DashboardChange): Promise<boolean> {
    if (change.rev <= (this.revs.get(change.id) ?? 0)) return false;
    this.setLocal(change.id, change.d);
    this.bump(change.id, change.rev);
    await this.persist();
    return true;
  }

  /** The stored dashboards and revisions, for a node that copies them. */
  snapshot(): DashboardSnapshot {
    return {
      rev: this.rev,
      dashboards: [...this.stored].map((id) => this.dashboards.get(id) as Dashboard),
      revs: [...this.revs],
    };
  }

  /**
   * Becomes a copy of the leader's `snapshot`. Only a change newer than the whole snapshot (one
   * broadcast after it was taken, applied before it arrived) is kept.
   */
  async replaceAll(snapshot: DashboardSnapshot): Promise<void> {
    const newer = (id: string) => (this.revs.get(id) ?? 0) > snapshot.rev;
    const incoming = new Map(snapshot.dashboards.map((d) => [d.id, d]));
    for (const id of [...this.stored]) if (!newer(id) && !incoming.has(id)) this.setLocal(id, undefined);
    for (const [id, d] of incoming) if (!newer(id)) this.setLocal(id, d);
    for (const [id, rev] of snapshot.revs) if (!newer(id)) this.bump(id, rev);
    this.rev = Math.max(this.rev, snapshot.rev);
    await this.persist();
  }

  /** Sets (or, with no dashboard, removes) one dashboard in memory; a removed built-in comes back. */
  private setLocal(id: string, d: Dashboard | undefined): void {
    if (d !== undefined) {
      this.dashboards.set(id, d);
      this.stored.add(id);
      return;
    }
    this.stored.delete(id);
    const builtin = builtinDashboards().find((b) => b.id === id);
    if (builtin !== undefined) this.dashboards.set(id, builtin);
    else this.dashboards.delete(id);
  }

  /** Queues a write of the current state; resolves when that write is done. */
  private persist(): Promise<void> {
    if (!this.writable) return this.writing;
    const next = this.writing.then(
      () => this.writeFile(),
      () => this.writeFile(),
    );
    this.writing = next.catch(() => {});
    return next;
  }

  private async writeFile(): Promise<void> {
    const body: StoredFile = { version: 1, dashboards: [...this.stored].map((id) => this.dashboards.get(id)) };
    const tmp = `${this.file}.tmp-${process.pid}-${++this.tmpCounter}`;
    const fh = await open(tmp, "w");
    try {
      await fh.writeFile(`${JSON.stringify(body, null, 2)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(tmp, this.file);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
  }
}
