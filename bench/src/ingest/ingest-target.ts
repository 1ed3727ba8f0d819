import type { ServerProcess } from "../targets/server-process.js";
import type { IngestWorkload } from "./ingest-workload.js";

/** Targets of the storage scenarios (`dashwire-pg`: dashwire on PostgreSQL, `--store postgres://…`). */
export const INGEST_TARGET_NAMES = ["dashwire", "dashwire-pg", "influxdb"] as const;

/** Targets run when `--targets` is not given (`dashwire-pg` needs a PostgreSQL server: on request). */
export const DEFAULT_INGEST_TARGETS: readonly IngestTargetName[] = ["dashwire", "influxdb"];

/** A storage target's name. */
export type IngestTargetName = (typeof INGEST_TARGET_NAMES)[number];

/** Whether a 2xx answer means the points are on disk, and where that statement comes from. */
export interface Durability {
  /** "yes", "no", or a short qualified answer. */
  onAck: string;
  /** How, and the source (a config setting, a doc). */
  how: string;
}

/** Where and how to start a storage target. */
export interface StoreStartOptions {
  /** CPU list for taskset (empty: unpinned). */
  cpus: string;
  host: string;
  /** TCP port (0: a free one). */
  port: number;
  /** The target's data lives here; the same folder again is a restart. */
  dataDir: string;
}

/** A storage target's server, running (its process, plus where and what it is). */
export interface RunningStore extends Pick<ServerProcess, "pid" | "port" | "output" | "stop"> {
  /** `http://host:port` */
  baseUrl: string;
  /** What the server says about itself (version, store settings), for the report. */
  self: string;
}

/** A store the storage scenarios measure: started as a private process, spoken to over HTTP. */
export interface IngestTarget {
  name: IngestTargetName;
  /** Label in reports, with its version. */
  label: string;
  /** What its 2xx means (read from the build under test where it can change). */
  durability(): Durability;
  /** Path and query of a write of one line-protocol body (ms timestamps). */
  writePath: string;
  /** Why it cannot run on this machine, or undefined when it can. */
  unavailable(): string | undefined;
  start(o: StoreStartOptions): Promise<RunningStore>;
  /** Removes what the target keeps outside `dataDir` for it (a database), once its server stopped. */
  cleanup?(dataDir: string): void;
  /** Points stored of each series of the workload (index = series), by the target's query API. */
  countPoints(baseUrl: string, w: IngestWorkload, fromMs: number): Promise<number[]>;
  /** Path and query asking for series `i`'s 1 s rollups (count, sum, min, max, last) in [from, to). */
  rollupQueryPath(i: number, fromMs: number, toMs: number): string;
  /** Buckets in an answer to `rollupQueryPath` (throws when the answer is not one). */
  bucketsIn(body: string): number;
  /**
   * One request asking for the 1 s rollups of series 0 … `series` − 1 in [from, to) (a panel's or
   * a page's back-fill in one go): a GET of `path`, or a POST of `body` (JSON) when it has one.
   */
  roundQuery(series: number, fromMs: number, toMs: number): { path: string; body?: string };
  /** Buckets in an answer to `roundQuery`, all series together (throws when the answer is not one). */
  bucketsInRound(body: string): number;
}
