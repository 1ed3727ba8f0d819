import type { TargetRun } from "../run/target-run.js";
import type { TargetOutcome } from "../scenarios/scenario.js";
import type { BenchReport } from "./bench-report.js";
import type { Environment } from "./environment.js";
import { int, ms, pct } from "./format.js";
import { multiNodeTables, slowConsumerTables, stormTable } from "./scenario-tables.js";

/** Renders the report as Markdown: the original comparison's table plus delivery and latency. */
export function renderMarkdown(report: BenchReport): string {
  const lines = [
    `# dashwire benchmark: ${report.scenario}`,
    "",
    `Workload: ${report.workload}. Server pinned to CPU ${report.options.serverCpus}, load generator to CPU ${report.options.loadCpus}; ${report.options.warmupS} s warm-up, ${report.options.durationS} s measured.`,
    "",
    ...scenarioTables(report),
    ...(report.scenario === "capacity" ? ["", ...capacityTable(report.targets)] : []),
    "",
    ...problems(report.targets),
    ...reportFooter(report.notes, report.environment),
  ];
  return lines.join("\n");
}

/** The end of every report: notes, then the machine, versions, commit and command. */
export function reportFooter(notes: readonly string[], e: Environment): string[] {
  return [
    ...(notes.length ? ["Notes:", "", ...notes.map((n) => `- ${n}`), ""] : []),
    `Machine: ${e.cpuModel}, ${e.cores} cores, ${e.memoryGB} GB, Linux ${e.kernel}. Node ${e.node}, ${e.python}. ` +
      `Commit ${e.commit}${e.dirty ? " (with uncommitted changes)" : ""}, ${e.date}.`,
    "",
    `Versions: ${Object.entries(e.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}.`,
    "",
    `Command: \`${e.command}\``,
    "",
  ];
}

function scenarioTables(report: BenchReport): string[] {
  switch (report.scenario) {
    case "idle":
      return idleTable(report.targets);
    case "slow-consumer":
      return slowConsumerTables(report.targets);
    case "reconnect-storm":
      return stormTable(report.targets);
    case "multi-node":
      return multiNodeTables(report.targets);
    default:
      return runTable(report.targets);
  }
}

/** Main row of a target: its single run, or for capacity its last good run. */
export function mainRun(t: TargetOutcome): TargetRun | undefined {
  if (t.capacity) {
    const good = t.runs.filter((r) => r.plan.publishers <= t.capacity!.lastGoodUsers);
    return good[good.length - 1] ?? t.runs[0];
  }
  return t.runs[0];
}

function runTable(targets: TargetOutcome[]): string[] {
  const rows = [
    "| Server | Avg CPU% | Avg Memory | Throughput | Delivered | p50 | p99 | max | Errors / disconnects | Load gen CPU |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const t of targets) {
    const r = mainRun(t);
    if (t.skipped || !r || !r.ok || !r.load || !r.server) {
      rows.push(`| ${t.label} | not run: ${(t.skipped ?? r?.error ?? "no result").split("\n")[0]} | | | | | | | | |`);
      continue;
    }
    const l = r.load;
    if (l.connected === 0 && l.connections > 0) {
      rows.push(`| ${t.label} | not run: no client connected (${l.errorSamples[0] ?? "?"}) | | | | | | | | |`);
      continue;
    }
    const lat = l.delivery.latency;
    const bound = l.clientBound ? " (client-bound)" : "";
    // Nothing of the window arrived before the drain ended: every latency exceeds the drain time.
    const none = l.delivery.delivered === 0 && l.delivery.expected > 0 ? `> ${ms(r.plan.drainS * 1000)}` : undefined;
    rows.push(
      `| ${t.label} | ${r.server.cpuPct.toFixed(0)} % | ${Math.round(r.server.rssAvgMB)} MB (peak ${Math.round(r.server.rssPeakMB)}) | ` +
        `${int(l.receivedPerSec * 60)} msgs/min | ${pct(l.deliveredPct)} | ${none ?? ms(lat.p50)} | ${none ?? ms(lat.p99)} | ${none ?? ms(lat.max)} | ` +
        `${l.errors} / ${l.disconnects} | ${Math.round(l.clientCpu * 100)} %${waiting(l.clientWait)}${bound} |`,
    );
  }
  rows.push(
    "",
    "Throughput = deliveries per minute the clients received during the window, whenever the message was sent (the original counted messages per minute). " +
      "Delivered = share of the messages scheduled in the window that reached every subscriber before the drain ended. " +
      "Latency is measured from each update's *scheduled* send time to its arrival (open loop, no coordinated omission). " +
      'Load gen CPU: the load generator\'s own core; "waiting" is time it was runnable but other processes held the core.',
  );
  return rows;
}

/** " (+12 % waiting)" when a process waited noticeably for its core. */
function waiting(share: number): string {
  return share >= 0.05 ? ` (+${Math.round(share * 100)} % waiting)` : "";
}

function idleTable(targets: TargetOutcome[]): string[] {
  const rows = [
    "| Server | Connections | RSS before | RSS held | RSS per connection | Avg CPU% | Errors |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const t of targets) {
    const r = t.runs[0];
    if (t.skipped || !r || !r.ok || !r.load || !r.server) {
      rows.push(`| ${t.label} | not run: ${(t.skipped ?? r?.error ?? "no result").split("\n")[0]} | | | | | |`);
      continue;
    }
    const perConn = r.load.connected ? ((r.server.endRssMB - r.server.baselineRssMB) * 1024) / r.load.connected : 0;
    rows.push(
      `| ${t.label} | ${int(r.load.connected)} of ${int(r.load.connections)} | ${Math.round(r.server.baselineRssMB)} MB | ` +
        `${Math.round(r.server.endRssMB)} MB | ${perConn.toFixed(1)} KB | ${r.server.cpuPct.toFixed(0)} % | ${r.load.errors} |`,
    );
  }
  return rows;
}

function capacityTable(targets: TargetOutcome[]): string[] {
  const rows = ["| Server | Largest N that met the bar | First N that failed | Why |", "|---|---|---|---|"];
  for (const t of targets) {
    if (!t.capacity) continue;
    rows.push(
      `| ${t.label} | ${int(t.capacity.lastGoodUsers)} | ${t.capacity.failedAtUsers ? int(t.capacity.failedAtUsers) : "–"} | ${t.capacity.reason} |`,
    );
  }
  rows.push("", "| Server | N | Delivered | p99 | Server CPU | Load gen CPU |", "|---|---|---|---|---|---|");
  for (const t of targets) {
    for (const r of t.runs) {
      if (!r.load || !r.server) continue;
      rows.push(
        `| ${t.label} | ${int(r.plan.publishers)} | ${pct(r.load.deliveredPct)} | ${ms(r.load.delivery.latency.p99)} | ` +
          `${r.server.cpuPct.toFixed(0)} % | ${Math.round(r.load.clientCpu * 100)} % |`,
      );
    }
  }
  return rows;
}

function problems(targets: TargetOutcome[]): string[] {
  const out: string[] = [];
  for (const t of targets) {
    for (const r of t.runs) {
      const samples = r.load?.errorSamples ?? [];
      if (samples.length) out.push(`- ${t.label}: ${samples.slice(0, 3).join("; ")}`);
      if (r.load?.delivery.reordered)
        out.push(`- ${t.label}: ${int(r.load.delivery.reordered)} deliveries arrived out of order`);
      const staller = r.load?.staller?.errors ?? [];
      if (staller.length) out.push(`- ${t.label} (stalled client): ${staller.slice(0, 3).join("; ")}`);
    }
  }
  return out.length ? ["Problems seen:", "", ...out, ""] : [];
}
