import type { BenchOptions } from "../bench-options.js";
import type { TransportName } from "../load/links/link.js";
import type { RunProgress, TargetRun, TargetRunOptions } from "../run/target-run.js";
import type { TargetDefinition } from "../targets/target-definition.js";

/** What a scenario gets to run one target. */
export interface ScenarioContext {
  options: BenchOptions;
  run: Partial<TargetRunOptions>;
  /** Transport the clients use in this outcome. */
  transport: TransportName;
  /** Progress of the current run; `step` names it (e.g. "N=500"). */
  progress(step: string, p: RunProgress): void;
}

/** Capacity search outcome of one target. */
export interface CapacityOutcome {
  /** Largest N that met the bar (0: none did). */
  lastGoodUsers: number;
  /** First N that failed, if one did. */
  failedAtUsers?: number;
  /** Why it failed (or why the search stopped). */
  reason: string;
}

/** Everything a scenario measured for one target. */
export interface TargetOutcome {
  target: string;
  label: string;
  /** Transport the clients used. */
  transport: TransportName;
  /** Why the target was skipped (not installed, ...). */
  skipped?: string;
  runs: TargetRun[];
  capacity?: CapacityOutcome;
}

/** A benchmark scenario: one or more load plans per target. */
export interface Scenario {
  name: string;
  /** One line saying what the workload is, with the numbers in force. */
  describe(options: BenchOptions): string;
  /** Rough seconds one target takes (progress bar). */
  estimateS(options: BenchOptions): number;
  run(target: TargetDefinition, ctx: ScenarioContext): Promise<TargetOutcome>;
}
