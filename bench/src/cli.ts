/**
 * `npm run bench -- <scenario> [options]`: runs a scenario against each target in turn (server
 * pinned to its CPUs, load generator to others), draws a progress bar, writes the reports and
 * prints the Markdown table.
 */
import { cpus, loadavg } from "node:os";
import { ABUSE_PHASES, ABUSE_ROUNDS, abuseTable, runAbuse, writeAbuseReport } from "./abuse/abuse-run.js";
import { type BenchOptions, cpuList, isIngestScenario, parseBenchArgs, USAGE, UsageError } from "./bench-options.js";
import { runIngestScenario } from "./ingest/ingest-scenario.js";
import { linkFactory, type TransportName } from "./load/links/index.js";
import { readCpuJiffies, stealShare } from "./metrics/proc-sampler.js";
import { createProtocol, type ProtocolName } from "./load/protocols/index.js";
import { ProgressBar } from "./progress-bar.js";
import type { BenchReport } from "./report/bench-report.js";
import { collectEnvironment, type Environment } from "./report/environment.js";
import { renderMarkdown } from "./report/markdown.js";
import { writeReports } from "./report/write-reports.js";
import type { RunProgress } from "./run/target-run.js";
import type { TargetOutcome } from "./scenarios/scenario.js";
import { SCENARIOS } from "./scenarios/scenarios.js";
import { TARGETS } from "./targets/targets.js";
import { runUiScenario } from "./ui/ui-scenario.js";

/** Why a protocol cannot run over a transport in this harness (undefined: it can). */
function transportMissing(protocol: ProtocolName, transport: TransportName): string | undefined {
  const protocolClient = createProtocol(protocol);
  if (linkFactory(protocol, transport) && protocolClient.endpoint(transport) !== undefined) return undefined;
  return `no ${transport} transport (the framework does not offer it)`;
}

function notesFor(o: BenchOptions): string[] {
  const notes: string[] = [];
  const n = cpus().length;
  const server = cpuList(o.serverCpus);
  const load = cpuList(o.loadCpus);
  for (const c of [...server, ...load])
    if (c >= n) throw new UsageError(`CPU ${c} does not exist (this machine has ${n})`);
  if (server.some((c) => load.includes(c))) notes.push("Server and load generator share CPUs: figures mix both.");
  const [one] = loadavg();
  notes.push(
    `Load average at start: ${(one ?? 0).toFixed(2)} on ${n} cores. Other processes on these cores (other users, ` +
      "builds, Redis for the Channels layer) add noise; Redis' own CPU is not counted in the server's.",
  );
  return notes;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, "-").replace("T", "_").slice(0, 19);
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  let options: BenchOptions;
  let notes: string[];
  try {
    options = parseBenchArgs(argv);
    notes = notesFor(options);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`bench: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  const out = options.out || `bench/results/${options.scenario}_${timestamp()}`;
  const environment = collectEnvironment(`npm run bench -- ${argv.join(" ")}`);
  if (options.scenario === "abuse") return abuse(options, out, environment, notes);
  if (isIngestScenario(options.scenario)) return runIngestScenario(options, options.scenario, out, environment, notes);
  if (options.scenario === "ui") return runUiScenario(options, out, environment, notes);
  const scenario = SCENARIOS[options.scenario];
  const bar = new ProgressBar();
  const perTarget = scenario.estimateS(options);
  const started = performance.now();
  const outcomes: TargetOutcome[] = [];
  console.error(`bench: ${options.scenario}: ${scenario.describe(options)}`);

  // Time the hypervisor gave these cores to other guests: a noisy host shows up here.
  const measuredCpus = [...cpuList(options.serverCpus), ...cpuList(options.loadCpus)];
  const steal: string[] = [];
  const runs = options.targets.flatMap((name) => options.transports.map((transport) => ({ name, transport })));
  const totalS = perTarget * runs.length;
  for (const { name, transport } of runs) {
    const target = TARGETS[name];
    // One transport keeps the labels of the original table; several name the transport per row.
    const label =
      options.transports.length > 1 || transport !== "websocket" ? `${target.label} over ${transport}` : target.label;
    const why = target.unavailable() ?? transportMissing(target.protocol, transport);
    if (why) {
      console.error(`bench: skipping ${name} over ${transport}: ${why}`);
      outcomes.push({ target: name, label, transport, skipped: why, runs: [] });
      continue;
    }
    let live = "";
    const progress = (step: string, p: RunProgress) => {
      if (p.kind === "tick") {
        const cpu = p.server ? ` server ${Math.round(p.server.cpuPct)}% ${Math.round(p.server.rssMB)} MB` : "";
        live = `${p.tick.deliveries.toLocaleString("en-US")}/s p99 ${p.tick.p99.toFixed(1)} ms${cpu} load ${Math.round(p.tick.cpu * 100)}%`;
      }
      const phase = p.kind === "phase" ? p.phase : p.tick.phase;
      const fraction = Math.min(0.99, (performance.now() - started) / 1000 / totalS);
      bar.update(fraction, `${name}${transport === "websocket" ? "" : `/${transport}`} ${step} ${phase}`, live);
    };
    const before = readCpuJiffies(measuredCpus);
    const outcome = await scenario.run(target, {
      options,
      run: {
        serverCpus: options.serverCpus,
        loadCpus: options.loadCpus,
        // The dashwire target speaks msgpack only when asked: JSON rows stay the JSON-only server.
        serverEnv: options.codec === "json" ? {} : { DASHWIRE_BENCH_CODEC: options.codec },
      },
      transport,
      progress,
    });
    outcome.label = label;
    outcomes.push(outcome);
    steal.push(`${label} ${stealShare(before, readCpuJiffies(measuredCpus)).toFixed(1)} %`);
    bar.done();
    for (const r of outcome.runs) {
      const who = `${name}${r.variant ? ` (${r.variant})` : ""}`;
      if (!r.ok) console.error(`bench: ${who} failed: ${r.error}`);
      else if (r.load && r.server && r.load.sent === 0) {
        console.error(
          `bench: ${who}: ${r.load.connected} of ${r.load.connections} connected, RSS ${r.server.baselineRssMB} → ${r.server.endRssMB} MB`,
        );
      } else if (r.load && r.server) {
        console.error(
          `bench: ${who}: delivered ${r.load.deliveredPct.toFixed(2)} %, p99 ${r.load.delivery.latency.p99} ms, ` +
            `server CPU ${r.server.cpuPct} %, RSS ${r.server.rssAvgMB} MB${r.load.clientBound ? " (client-bound)" : ""}`,
        );
      }
    }
  }
  bar.update(1, "writing reports");
  bar.done();

  if (steal.length > 0)
    notes.push(`CPU steal on the measured cores (time the hypervisor ran other guests there): ${steal.join(", ")}.`);
  for (const t of outcomes) {
    if (t.runs.some((r) => r.load?.clientBound)) {
      notes.push(
        `${t.label}: the load generator's core was saturated (> 90 %): its figures are a floor, not the server's limit.`,
      );
    }
    const waited = Math.max(0, ...t.runs.map((r) => r.server?.waitPct ?? 0));
    if (waited >= 5) {
      notes.push(
        `${t.label}: the server was runnable but waiting for its core ${Math.round(waited)} % of the window ` +
          "(other processes on it): its latency includes that wait.",
      );
    }
  }
  const report: BenchReport = {
    scenario: options.scenario,
    workload: scenario.describe(options),
    options,
    environment,
    notes,
    targets: outcomes,
  };
  const files = await writeReports(report, out, options.png);
  console.log(renderMarkdown(report));
  console.error(
    `bench: reports in ${files.dir} (report.md, report.json, report.html${files.png ? ", chart.png" : ""})`,
  );
  if (files.pngError) console.error(`bench: no PNG: ${files.pngError}`);
  return outcomes.some((t) => t.runs.some((r) => r.ok)) ? 0 : 1;
}

/** The abuse scenario: its own phases and table (one target, dashwire). */
async function abuse(options: BenchOptions, out: string, environment: Environment, notes: string[]): Promise<number> {
  const bar = new ProgressBar();
  console.error(
    `bench: abuse: ${ABUSE_PHASES.map((p) => p.phase).join(", ")}, ${options.durationS} s each, ${ABUSE_ROUNDS} rounds`,
  );
  const phases = await runAbuse(options, (fraction, phase) => bar.update(fraction, `dashwire abuse ${phase}`, ""));
  bar.done();
  writeAbuseReport(out, { scenario: "abuse", options, environment, notes }, phases);
  console.log(abuseTable(phases));
  console.error(`bench: reports in ${out} (abuse.md, abuse.json)`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
