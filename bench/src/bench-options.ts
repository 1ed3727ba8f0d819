import { readFileSync } from "node:fs";
import { DEFAULT_INGEST_TARGETS, INGEST_TARGET_NAMES, type IngestTargetName } from "./ingest/ingest-target.js";
import { TRANSPORT_NAMES, type TransportName } from "./load/links/link.js";
import { TARGET_NAMES, type TargetName } from "./targets/target-definition.js";

/** Scenarios the CLI runs. */
export const SCENARIO_NAMES = [
  "seed-100",
  "seed-1000",
  "fanout",
  "idle",
  "capacity",
  "slow-consumer",
  "reconnect-storm",
  "multi-node",
  "abuse",
  "ingest",
  "ingest-restart",
  "ingest-query",
  "ui",
] as const;

/** A scenario's name. */
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** The storage scenarios: HTTP line-protocol ingest into dashwire and InfluxDB, not sockets. */
export const INGEST_SCENARIOS = ["ingest", "ingest-restart", "ingest-query"] as const;

/** A storage scenario's name. */
export type IngestScenarioName = (typeof INGEST_SCENARIOS)[number];

/** Whether `name` is one of the storage scenarios (which take `ingestTargets`). */
export function isIngestScenario(name: ScenarioName): name is IngestScenarioName {
  return (INGEST_SCENARIOS as readonly string[]).includes(name);
}

/** Options of one benchmark invocation (`npm run bench -- <scenario> [options]`). */
export interface BenchOptions {
  scenario: ScenarioName;
  targets: TargetName[];
  /** Targets of the storage scenarios (`--targets` there names these). */
  ingestTargets: IngestTargetName[];
  /** Seconds of the measurement window (per run; capacity: per step). */
  durationS: number;
  warmupS: number;
  /** Most seconds to wait for the window's last deliveries. */
  drainS: number;
  serverCpus: string;
  loadCpus: string;
  /** Output folder for the reports. */
  out: string;
  /** seed-*: users (each publishes and subscribes); 0 takes the scenario's number. */
  users: number;
  /** Updates per second per publisher (seed, capacity: per user; fanout: the publisher). */
  rate: number;
  /** fanout: subscribers. */
  subscribers: number;
  /** idle: connections (0: 10,000); ingest: wrk's connections (0: 4). */
  connections: number;
  /** capacity: user counts tried in order until one fails. */
  capacitySteps: number[];
  /** Transports each target is run over (one row per target and transport it offers). */
  transports: TransportName[];
  /** dashwire's wire codec (`--codec json|msgpack`, issue 19): the target speaks it, the load clients ask for it. */
  codec: "json" | "msgpack";
  /** Payload padded to this many bytes (0: the scenario's default). */
  payloadBytes: number;
  /** slow-consumer: seconds the stalled client reads nothing. */
  stallS: number;
  /** multi-node: nodes of the scaled-out runs. */
  nodes: number;
  /** multi-node: taskset CPU list per node, `/`-separated (empty: every node on `serverCpus`). */
  nodeCpus: string[];
  /** Render the main chart to PNG with headless Chromium. */
  png: boolean;
  /** ingest*: lines (points) per request body. */
  lines: number;
  /** ingest*: series the points of a body are spread over. */
  series: number;
  /** ingest-restart: points stored before the restart. */
  points: number;
  /** ui: time-series panels on the measured dashboard. */
  panels: number;
  /** ui: series per panel. */
  panelSeries: number;
  /** ui: points a second of the ingest load during the loaded latency phase. */
  ingestRate: number;
  /** ui: seconds of each latency phase. */
  latencyS: number;
}

/** Defaults of `BenchOptions`. */
export const benchDefaults: BenchOptions = {
  scenario: "seed-100",
  targets: [...TARGET_NAMES],
  ingestTargets: [...DEFAULT_INGEST_TARGETS],
  durationS: 20,
  warmupS: 5,
  drainS: 5,
  serverCpus: "0",
  loadCpus: "1",
  out: "",
  users: 0,
  rate: 0,
  subscribers: 10_000,
  connections: 0,
  capacitySteps: [100, 200, 300, 400, 500, 700, 1000, 1400, 2000, 3000, 4000, 5000],
  transports: ["websocket"],
  codec: "json",
  payloadBytes: 0,
  stallS: 15,
  nodes: 2,
  nodeCpus: [],
  png: true,
  lines: 5000,
  series: 100,
  points: 1_000_000,
  panels: 40,
  panelSeries: 10,
  ingestRate: 100_000,
  latencyS: 60,
};

/** The `ui` scenario's window when `--duration` is not given: 10 minutes (a heap trend needs time). */
export const UI_DEFAULT_DURATION_S = 600;

/** A bad command line, with a message meant for the user. */
export class UsageError extends Error {
  /** Stable code for scripts. */
  readonly code = "BENCH_USAGE";
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Usage text printed by `--help` and with usage errors. It lives in `bench/usage.txt` so that
 * `scripts/bench.sh --help` prints it at once, before any setup or build.
 */
export const USAGE = readFileSync(new URL("../usage.txt", import.meta.url), "utf8").trimEnd();

const numberFlags: Record<string, keyof BenchOptions> = {
  "--duration": "durationS",
  "--warmup": "warmupS",
  "--drain": "drainS",
  "--users": "users",
  "--rate": "rate",
  "--subscribers": "subscribers",
  "--connections": "connections",
  "--payload-bytes": "payloadBytes",
  "--stall": "stallS",
  "--nodes": "nodes",
  "--lines": "lines",
  "--series": "series",
  "--points": "points",
  "--panels": "panels",
  "--panel-series": "panelSeries",
  "--ingest-rate": "ingestRate",
  "--latency": "latencyS",
};

/** The CPUs of a taskset list ("0", "0-2,5"); empty for "" (unpinned). */
export function cpuList(list: string): number[] {
  const out: number[] = [];
  if (list === "") return out;
  for (const part of list.split(",")) {
    const [a, b] = part.split("-").map(Number);
    if (a === undefined || !Number.isInteger(a)) throw new UsageError(`bad CPU list "${list}"`);
    for (let c = a; c <= (b ?? a); c++) out.push(c);
  }
  return out;
}

/** Parses the command line; throws `UsageError` on anything it does not understand. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const o: BenchOptions = {
    ...benchDefaults,
    targets: [...benchDefaults.targets],
    ingestTargets: [...benchDefaults.ingestTargets],
  };
  let scenarioSeen = false;
  let targetNames: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? arg.split("=", 2) : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === "--no-png") o.png = false;
    else if (flag === "--targets") {
      targetNames = value()
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    } else if (flag === "--transport") {
      const names = value()
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean);
      for (const t of names) {
        if (!(TRANSPORT_NAMES as readonly string[]).includes(t)) throw new UsageError(`unknown transport "${t}"`);
      }
      if (names.length === 0) throw new UsageError("--transport needs a value");
      o.transports = names as TransportName[];
    } else if (flag === "--codec") {
      const codec = value();
      if (codec !== "json" && codec !== "msgpack") throw new UsageError(`unknown codec "${codec}" (json or msgpack)`);
      o.codec = codec;
    } else if (flag === "--node-cpus")
      o.nodeCpus = value()
        .split("/")
        .map((c) => c.trim());
    else if (flag === "--server-cpus") o.serverCpus = value();
    else if (flag === "--load-cpus") o.loadCpus = value();
    else if (flag === "--out") o.out = value();
    else if (flag === "--steps")
      o.capacitySteps = value()
        .split(",")
        .map((s) => positive(flag, s));
    else if (flag !== undefined && flag in numberFlags) {
      (o as unknown as Record<string, number>)[numberFlags[flag] as string] = positive(flag, value(), true);
    } else if (flag !== undefined && !flag.startsWith("-") && !scenarioSeen) {
      if (!(SCENARIO_NAMES as readonly string[]).includes(flag)) throw new UsageError(`unknown scenario "${flag}"`);
      o.scenario = flag as ScenarioName;
      scenarioSeen = true;
    } else throw new UsageError(`unknown argument "${arg}"`);
  }
  if (!scenarioSeen) throw new UsageError("which scenario?");
  if (o.scenario === "ui" && !argv.some((a) => a === "--duration" || a.startsWith("--duration=")))
    o.durationS = UI_DEFAULT_DURATION_S;
  // The storage scenarios have targets of their own (a database is not a socket server).
  const known: readonly string[] = isIngestScenario(o.scenario) ? INGEST_TARGET_NAMES : TARGET_NAMES;
  for (const n of targetNames ?? []) {
    if (!known.includes(n)) throw new UsageError(`unknown target "${n}" for ${o.scenario} (${known.join(", ")})`);
  }
  if (targetNames !== undefined && isIngestScenario(o.scenario)) o.ingestTargets = targetNames as IngestTargetName[];
  else if (targetNames !== undefined) o.targets = targetNames as TargetName[];
  if (targetNames?.length === 0) throw new UsageError("no targets");
  if (!Number.isInteger(o.series) || o.series < 1) throw new UsageError("--series must be a whole number ≥ 1");
  if (!Number.isInteger(o.lines) || o.lines % o.series !== 0)
    throw new UsageError(`--lines (${o.lines}) must be a whole multiple of --series (${o.series})`);
  if (!Number.isInteger(o.nodes) || o.nodes < 1) throw new UsageError("--nodes must be a whole number ≥ 1");
  // The bench's HTTP load links speak text only (the server takes msgpack on SSE and polling
  // since issue 19, the links do not yet): refused, never a silent JSON run in a measurement.
  if (o.codec !== "json" && o.transports.some((t) => t !== "websocket"))
    throw new UsageError(`--codec ${o.codec} runs over websocket only`);
  return o;
}

function positive(flag: string, text: string, zeroOk = false): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || (!zeroOk && n === 0))
    throw new UsageError(`${flag}: "${text}" is not a valid number`);
  return n;
}
