import type { StormResult } from "../load/disruption.js";
import type { TargetRun } from "../run/target-run.js";
import type { TargetOutcome } from "../scenarios/scenario.js";
import { int, ms, pct } from "./format.js";

const MB = (n: number) => `${Math.round(n)} MB`;

function notRun(t: TargetOutcome, r: TargetRun | undefined, columns: number): string | undefined {
  if (!t.skipped && r?.ok && r.load && r.server) return undefined;
  const why = (t.skipped ?? r?.error ?? "no result").split("\n")[0];
  return `| ${t.label}${r?.variant ? ` (${r.variant})` : ""} | not run: ${why} |${" |".repeat(columns - 2)}`;
}

/** Peak of one timeline column after `fromMs` (seconds since server start are not wall clock: uses order). */
function peak(run: TargetRun, key: "serverCpuPct" | "rssMB" | "externalCpuPct"): number {
  let max = 0;
  for (const s of run.series) if (s.phase !== "connecting" && s[key] > max) max = s[key];
  return max;
}

/** slow-consumer: the others with and without the stall, then what the staller got. */
export function slowConsumerTables(targets: TargetOutcome[]): string[] {
  const rows = [
    "The others (every subscriber but the stalled one), without and with the stall:",
    "",
    "| Server | Run | Delivered | p50 | p99 | max | Server CPU | Server RSS: start → peak |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const t of targets) {
    if (t.runs.length === 0) rows.push(notRun(t, undefined, 8) as string);
    for (const r of t.runs) {
      const missing = notRun(t, r, 8);
      if (missing) {
        rows.push(missing);
        continue;
      }
      const l = r.load!;
      const lat = l.delivery.latency;
      rows.push(
        `| ${t.label} | ${r.variant} | ${pct(l.deliveredPct)} | ${ms(lat.p50)} | ${ms(lat.p99)} | ${ms(lat.max)} | ` +
          `${r.server!.cpuPct.toFixed(0)} % | ${MB(r.server!.baselineRssMB)} → ${MB(r.server!.rssPeakMB)} |`,
      );
    }
  }
  rows.push(
    "",
    "The stalled subscriber (after it reads again):",
    "",
    "| Server | Peak RSS growth vs baseline | Kept back for it | Window messages it got | Gap notices (largest gap) | Resumes: recovered / not | Its max latency | Disconnected |",
    "|---|---|---|---|---|---|---|---|",
  );
  for (const t of targets) {
    const base = t.runs.find((r) => r.load?.staller && !r.load.staller.stalled);
    const run = t.runs.find((r) => r.load?.staller?.stalled);
    const s = run?.load?.staller;
    if (!run || !s || !run.server) {
      rows.push(`| ${t.label} | not run | | | | | | |`);
      continue;
    }
    const growth = run.server.rssPeakMB - (base?.server?.rssPeakMB ?? run.server.baselineRssMB);
    rows.push(
      `| ${t.label} | ${growth >= 0 ? "+" : ""}${Math.round(growth)} MB | ${int(s.heldOver)} msgs | ` +
        `${int(s.delivery.delivered)} of ${int(s.delivery.expected)} (${pct(s.deliveredPct)}) | ` +
        `${int(s.resume.gaps)} (${int(s.resume.gapLargest)}) | ${int(s.resume.recovered)} / ${int(s.resume.notRecovered)} | ` +
        `${ms(s.delivery.latency.max)} | ${s.disconnects ? `yes (${s.errors.slice(0, 1).join("")})` : "no"} |`,
    );
  }
  rows.push(
    "",
    "Kept back for it: publications scheduled before it read again that reached it after (held in kernel socket " +
      "buffers and the server's queue, or, for dashwire past its queue limit, replayed from history). Window messages: publications scheduled in the window that reached it in the end (exact, " +
      "by sequence number). dashwire: a stream subscription whose queue overflows gets a `gap` notice; the client resumes " +
      "with `since` and gets the missed publications from the topic's history (`recovered: true`); a replay larger than " +
      "its queue comes in queue-sized steps, each ended by another gap notice.",
  );
  return rows;
}

/** "408 ms", or "never: 127 failed (last back at 14.7 s)". */
function backAfter(st: StormResult): string {
  if (st.failed === 0) return ms(st.recoveryS * 1000);
  return `never: ${int(st.failed)} failed (last back at ${ms(st.recoveryS * 1000)})`;
}

/** reconnect-storm: recovery time, loss, CPU and memory. */
export function stormTable(targets: TargetOutcome[]): string[] {
  const rows = [
    "| Server | Clients back | All back after | Per client p50 / p99 | Lost (of owed) | Duplicates | Resumes: recovered / not | Server CPU: window / peak s | Peak RSS | Latency p99 / max |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const t of targets) {
    const r = t.runs[0];
    const missing = notRun(t, r, 10);
    if (missing || !r) {
      rows.push(missing as string);
      continue;
    }
    const l = r.load!;
    const st = l.storm;
    const d = l.delivery;
    rows.push(
      `| ${t.label} | ${st ? `${int(st.reconnected)} of ${int(st.clients)}` : "no storm"} | ${st ? backAfter(st) : ""} | ` +
        `${st ? `${ms(st.p50S * 1000)} / ${ms(st.p99S * 1000)}` : ""} | ${int(d.lost)} of ${int(d.expected)} (${pct(100 - l.deliveredPct)}) | ` +
        `${int(d.duplicates)} | ${int(l.resume.recovered)} / ${int(l.resume.notRecovered)} | ` +
        `${r.server!.cpuPct.toFixed(0)} % / ${peak(r, "serverCpuPct").toFixed(0)} % | ${MB(r.server!.rssPeakMB)} | ` +
        `${ms(d.latency.p99)} / ${ms(d.latency.max)} |`,
    );
  }
  rows.push(
    "",
    "All back after: from the moment every subscriber's socket was killed until the last one was connected again and " +
      "(dashwire) resubscribed with `since` = its last offset. Lost: publications scheduled in the window that never reached " +
      "a subscriber, counted exactly per (client, sequence number); a replay overlapping what came live would show as " +
      "duplicates. Peak s: the busiest second of the server.",
  );
  return rows;
}

/** multi-node: throughput, latency, CPU of nodes and Redis, per variant; the broker hop's cost. */
export function multiNodeTables(targets: TargetOutcome[]): string[] {
  const rows = [
    "| Server | Run | Throughput | Delivered | p50 | p99 | Nodes CPU (sum) | Redis CPU (idle before) | CPU µs per delivery | RSS (all nodes) | Load gen CPU |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  const perDelivery = (r: TargetRun): number => {
    const l = r.load!;
    const redis = r.external?.find((e) => e.name === "redis");
    const cpu = r.server!.cpuPct + Math.max(0, (redis?.cpuPct ?? 0) - (redis?.idleCpuPct ?? 0));
    return l.receivedPerSec > 0 ? ((cpu / 100) * 1e6) / l.receivedPerSec : 0;
  };
  const layouts = new Set<string>();
  const hops: string[] = [];
  for (const t of targets) {
    if (t.runs.length === 0) rows.push(notRun(t, undefined, 11) as string);
    for (const r of t.runs) {
      const missing = notRun(t, r, 11);
      if (missing) {
        rows.push(missing);
        continue;
      }
      if (r.layout) layouts.add(r.layout);
      const l = r.load!;
      const lat = l.delivery.latency;
      const redis = r.external?.find((e) => e.name === "redis");
      rows.push(
        `| ${t.label} | ${r.variant} | ${int(l.receivedPerSec * 60)} msgs/min | ${pct(l.deliveredPct)} | ${ms(lat.p50)} | ${ms(lat.p99)} | ` +
          `${r.server!.cpuPct.toFixed(0)} % | ${redis ? `${redis.cpuPct.toFixed(0)} % (${redis.idleCpuPct.toFixed(0)} %)` : "–"} | ` +
          `${perDelivery(r).toFixed(1)} | ${MB(r.server!.rssAvgMB)} | ${Math.round(l.clientCpu * 100)} % |`,
      );
    }
    const [one, ...rest] = t.runs.filter((r) => r.ok && r.load && r.server);
    if (one && rest.length) {
      const parts = rest.map((r) => {
        const dp50 = r.load!.delivery.latency.p50 - one.load!.delivery.latency.p50;
        const dp99 = r.load!.delivery.latency.p99 - one.load!.delivery.latency.p99;
        const cpu = perDelivery(r) - perDelivery(one);
        return `${r.variant}: p50 ${dp50 >= 0 ? "+" : ""}${ms(dp50)}, p99 ${dp99 >= 0 ? "+" : ""}${ms(dp99)}, CPU ${cpu >= 0 ? "+" : ""}${cpu.toFixed(1)} µs per delivery`;
      });
      hops.push(`- ${t.label}, against ${one.variant}: ${parts.join("; ")}.`);
    }
  }
  rows.push(
    "",
    `Layout: ${[...layouts].join("; ") || "–"}. Redis is the machine's shared server, not pinned (it runs wherever the ` +
      "kernel puts it) and serves other users too: its CPU is shown for the window with its rate while idle before the " +
      "run in brackets; CPU per delivery counts the nodes plus Redis above that idle rate.",
    "",
    "The broker hop's cost (change against the single node):",
    "",
    ...(hops.length ? hops : ["- no scaled-out run completed"]),
  );
  return rows;
}
