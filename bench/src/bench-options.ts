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
] as const;

/** A scenario's name. */
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** Options of one benchmark invocation (`npm run bench -- <scenario> [options]`). */
export interface BenchOptions {
  scenario: ScenarioName;
  targets: TargetName[];
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
  /** idle: connections. */
  connections: number;
  /** capacity: user counts tried in order until one fails. */
  capacitySteps: number[];
  /** Transports each target is run over (one row per target and transport it offers). */
  transports: TransportName[];
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
}

/** Defaults of `BenchOptions`. */
export const benchDefaults: BenchOptions = {
  scenario: "seed-100",
  targets: [...TARGET_NAMES],
  durationS: 20,
  warmupS: 5,
  drainS: 5,
  serverCpus: "0",
  loadCpus: "1",
  out: "",
  users: 0,
  rate: 0,
  subscribers: 10_000,
  connections: 10_000,
  capacitySteps: [100, 200, 300, 400, 500, 700, 1000, 1400, 2000, 3000, 4000, 5000],
  transports: ["websocket"],
  payloadBytes: 0,
  stallS: 15,
  nodes: 2,
  nodeCpus: [],
  png: true,
};

/** A bad command line, with a message meant for the user. */
export class UsageError extends Error {
  /** Stable code for scripts. */
  readonly code = "BENCH_USAGE";
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Usage text printed by `--help` and with usage errors. */
export const USAGE = `usage: npm run bench -- <scenario> [options]
scenarios: ${SCENARIO_NAMES.join(", ")}
  seed-100    100 users, 1 update/s each, all-to-all (10,000 deliveries/s)
  seed-1000   1000 users, same workload (1,000,000 deliveries/s)
  fanout      1 publisher at --rate updates/s to --subscribers subscribers
  idle        --connections idle subscribers; memory per connection
  capacity    raise users (--steps) until delivered < 99.9 % or p99 > 250 ms
  slow-consumer    --users (10) subscribers, 1 stops reading for --stall (15) s; publishers at
                   --rate (500)/s, --payload-bytes (8192); against the same run without the stall
  reconnect-storm  --users (1000) subscribers drop and reconnect at once while 1 publisher sends
                   --rate (20)/s on a topic with history; time to recover, messages lost
  multi-node       all-to-all --users (100), 1 node vs --nodes (2) nodes joined by Redis (each
                   target's own scale-out); broker hop overhead, Redis CPU
  abuse            dashwire only: a client's echo round trip while nobody / a publish flood / a
                   connection loop / 100 MB frames / all three abuse; 3 rounds of --duration s each
options:
  --targets a,b,...   ${TARGET_NAMES.join(",")} (default: all)
  --duration s        measurement window per run (default 20)
  --warmup s          load before the window (default 5)
  --drain s           wait for the window's last deliveries (default 5)
  --server-cpus list  taskset CPU list for the server (default 0)
  --load-cpus list    taskset CPU list for the load generator (default 1)
  --out dir           report folder (default bench/results/<timestamp>)
  --users n --rate r --subscribers n --connections n --steps n,n,...
  --transport list    websocket,sse,polling: run each target over each it offers (default websocket)
  --payload-bytes n --stall s --nodes n
  --node-cpus a/b     CPU list per node, e.g. 0/1 (multi-node; default: all nodes on --server-cpus)
  --no-png            skip the PNG (no Chromium needed)`;

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
};

/** Parses the command line; throws `UsageError` on anything it does not understand. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const o: BenchOptions = { ...benchDefaults, targets: [...benchDefaults.targets] };
  let scenarioSeen = false;
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
      const names = value()
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      for (const n of names) {
        if (!(TARGET_NAMES as readonly string[]).includes(n)) throw new UsageError(`unknown target "${n}"`);
      }
      o.targets = names as TargetName[];
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
  if (o.targets.length === 0) throw new UsageError("no targets");
  if (!Number.isInteger(o.nodes) || o.nodes < 1) throw new UsageError("--nodes must be a whole number ≥ 1");
  return o;
}

function positive(flag: string, text: string, zeroOk = false): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || (!zeroOk && n === 0))
    throw new UsageError(`${flag}: "${text}" is not a valid number`);
  return n;
}
