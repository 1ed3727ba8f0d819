/**
 * Dashboards over the store: validation, the built-ins, ids made from titles, and optimistic
 * concurrency. Every stored dashboard has a version (its `ETag`); a write may name the version
 * it read (`If-Match`) and is refused with 412 when another write came first, so no edit is
 * lost. Built-ins are not stored until edited (version 0 until then), so a new version's
 * built-ins show up; an edited built-in is stored and wins; built-ins cannot be deleted.
 *
 * Nothing is cached: every node reads the store, so all nodes answer the same.
 */
import { readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { ApiError, ApiErrorCode } from "../errors.js";
import type { Expect, Store } from "../store/store.js";
import { zodIssues, zodMessage } from "../zod-message.js";
import { BUILTIN_DASHBOARD_IDS, builtinDashboards } from "./builtin-dashboards.js";
import { type Dashboard, dashboardSchema } from "./dashboard-schema.js";

/** The file earlier versions kept dashboards in; imported into the store once, then renamed. */
export const LEGACY_DASHBOARDS_FILE = "dashboards.json";

/** A dashboard and its version (0: a built-in never edited). */
export interface VersionedDashboard {
  dashboard: Dashboard;
  version: number;
}

/** What a write may require of the stored dashboard (from `If-Match`). */
export type Precondition = undefined | "*" | number[];

/** Options of `Dashboards`. */
export interface DashboardsOptions {
  /** Most dashboards, built-ins included. */
  maxDashboards: number;
  /** Data dir searched for a legacy `dashboards.json`. */
  dataDir: string;
  warn: (message: string) => void;
}

/** Validates a dashboard body; throws a 400 `ApiError` naming the field (and listing every field at fault). */
export function validateDashboard(body: unknown): Dashboard {
  const parsed = dashboardSchema.safeParse(body);
  if (!parsed.success)
    throw new ApiError(400, ApiErrorCode.InvalidField, zodMessage(parsed.error), zodIssues(parsed.error));
  return parsed.data;
}

/**
 * What the store must find for a write with `If-Match` `pre` to go ahead, given the version
 * stored now (undefined: none): any, that version, or (several ETags) whichever is current,
 * checked again by the store atomically. `*` with nothing stored is the caller's 412.
 */
export function expectFor(pre: Precondition, current: number | undefined): Expect {
  if (pre === undefined) return { kind: "any" };
  if (pre === "*") return { kind: "version", version: current ?? -1 };
  if (current !== undefined && pre.includes(current)) return { kind: "version", version: current };
  return { kind: "version", version: pre[0] ?? -1 };
}

/** An id made from a title (`CPU & Memory` → `cpu-memory`), with `-2`, `-3`… while `taken` has it. */
export function idFromTitle(title: unknown, taken: ReadonlySet<string>, fallback = "dashboard"): string {
  const base =
    (typeof title === "string" ? title : "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 48) || fallback;
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

/** The `ETag` of a version. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/** Dashboards CRUD with versions; see the file comment. */
export class Dashboards {
  private constructor(
    private readonly store: Store,
    readonly options: DashboardsOptions,
  ) {}

  /** Opens the dashboards of `store`, importing a legacy `dashboards.json` first. */
  static async open(store: Store, options: DashboardsOptions): Promise<Dashboards> {
    const d = new Dashboards(store, options);
    await d.importLegacy();
    return d;
  }

  /** All dashboards, built-ins first, then by id. */
  async list(): Promise<Dashboard[]> {
    const stored = new Map<string, Dashboard>();
    for (const row of await this.store.listDashboards()) {
      const d = this.parse(row.id, row.body);
      if (d !== undefined) stored.set(row.id, d);
    }
    const builtins = builtinDashboards().map((b) => stored.get(b.id) ?? b);
    const user = [...stored.values()].filter((d) => !BUILTIN_DASHBOARD_IDS.has(d.id));
    user.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return [...builtins, ...user];
  }

  /** A dashboard and its version. */
  async get(id: string): Promise<VersionedDashboard | undefined> {
    const row = await this.store.getDashboard(id);
    const d = row === undefined ? undefined : this.parse(id, row.body);
    if (row !== undefined && d !== undefined) return { dashboard: d, version: row.version };
    const builtin = builtinDashboards().find((b) => b.id === id);
    return builtin === undefined ? undefined : { dashboard: builtin, version: 0 };
  }

  /** Creates a dashboard; without an id one is made from the title. 409 when the id exists. */
  async create(body: unknown): Promise<VersionedDashboard> {
    const withId =
      typeof body === "object" && body !== null && !Array.isArray(body) && !("id" in body)
        ? { ...body, id: await this.freshId((body as { title?: unknown }).title) }
        : body;
    const d = validateDashboard(withId);
    if (BUILTIN_DASHBOARD_IDS.has(d.id)) throw exists(d.id);
    const w = await this.store.putDashboard(d.id, JSON.stringify(d), { kind: "absent" }, this.maxStored());
    if (!w.ok) throw w.reason === "limit" ? this.limit() : exists(d.id);
    return { dashboard: d, version: w.version };
  }

  /** Creates or replaces `id`, if `pre` holds. The body's id, when given, must match. */
  async put(id: string, body: unknown, pre: Precondition): Promise<VersionedDashboard & { created: boolean }> {
    const withId = typeof body === "object" && body !== null && !Array.isArray(body) ? { id, ...body } : body;
    const d = validateDashboard(withId);
    if (d.id !== id) throw new ApiError(400, ApiErrorCode.InvalidField, `id: ${d.id} does not match the URL (${id})`);
    const expect = await this.expectOf(id, pre);
    const w = await this.store.putDashboard(id, JSON.stringify(d), expect, this.maxStored());
    if (!w.ok) throw w.reason === "limit" ? this.limit() : stale(id, w.version);
    return { dashboard: d, version: w.version, created: w.created && !BUILTIN_DASHBOARD_IDS.has(id) };
  }

  /** Deletes `id` if `pre` holds; built-ins are refused (403), unknown ids are 404. */
  async delete(id: string, pre: Precondition): Promise<void> {
    if (BUILTIN_DASHBOARD_IDS.has(id))
      throw new ApiError(403, ApiErrorCode.Forbidden, `dashboard ${id} is built in and cannot be deleted`);
    const expect = await this.expectOf(id, pre);
    if (expect.kind === "any" && (await this.store.getDashboard(id)) === undefined)
      throw new ApiError(404, ApiErrorCode.NotFound, `no dashboard ${id}`);
    const w = await this.store.deleteDashboard(id, expect);
    if (!w.ok) throw stale(id, w.version);
  }

  /** Turns an `If-Match` into what the store checks atomically. */
  private async expectOf(id: string, pre: Precondition): Promise<Expect> {
    if (pre === undefined) return { kind: "any" };
    const current = (await this.get(id))?.version;
    if (pre === "*" && current === undefined) throw stale(id, 0);
    return expectFor(pre, current);
  }

  private maxStored(): number {
    return Math.max(0, this.options.maxDashboards - BUILTIN_DASHBOARD_IDS.size);
  }

  private limit(): ApiError {
    return new ApiError(409, ApiErrorCode.LimitReached, `dashboard limit reached (${this.options.maxDashboards})`);
  }

  private parse(id: string, body: string): Dashboard | undefined {
    try {
      const r = dashboardSchema.safeParse(JSON.parse(body));
      if (r.success) return r.data;
      this.options.warn(`stored dashboard ${id} is invalid (${zodMessage(r.error)}); skipped`);
    } catch (err) {
      this.options.warn(`stored dashboard ${id} is not JSON (${(err as Error).message}); skipped`);
    }
    return undefined;
  }

  private async freshId(title: unknown): Promise<string> {
    return idFromTitle(title, new Set((await this.list()).map((d) => d.id)));
  }

  /** Imports `dashboards.json` of an older version (ids already stored win), then renames it. */
  private async importLegacy(): Promise<void> {
    const file = join(this.options.dataDir, LEGACY_DASHBOARDS_FILE);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    let list: unknown[] = [];
    try {
      const parsed = JSON.parse(text) as { dashboards?: unknown };
      if (Array.isArray(parsed.dashboards)) list = parsed.dashboards;
      else this.options.warn(`${file}: no dashboards array; nothing imported`);
    } catch (err) {
      this.options.warn(`${file} is unreadable (${(err as Error).message}); nothing imported`);
    }
    let imported = 0;
    for (const raw of list) {
      const r = dashboardSchema.safeParse(raw);
      if (!r.success) {
        this.options.warn(`${file}: skipped an invalid dashboard: ${zodMessage(r.error)}`);
        continue;
      }
      const w = await this.store.putDashboard(r.data.id, JSON.stringify(r.data), { kind: "absent" }, this.maxStored());
      if (w.ok) imported++;
    }
    await rename(file, `${file}.imported`);
    this.options.warn(`imported ${imported} dashboard(s) from ${file} (renamed to ${LEGACY_DASHBOARDS_FILE}.imported)`);
  }
}

function exists(id: string): ApiError {
  return new ApiError(409, ApiErrorCode.Conflict, `dashboard ${id} already exists`);
}

function stale(id: string, version: number): ApiError {
  return new ApiError(
    412,
    ApiErrorCode.PreconditionFailed,
    `dashboard ${id} changed since it was read (now version ${version}): reload it and apply the edit again`,
  );
}
