import type { BenchOptions } from "../bench-options.js";
import type { TargetOutcome } from "../scenarios/scenario.js";
import type { Environment } from "./environment.js";

/** The whole result of one invocation: what every report file is rendered from. */
export interface BenchReport {
  scenario: string;
  /** The workload in one line. */
  workload: string;
  options: BenchOptions;
  environment: Environment;
  /** Anything a reader must know to read the figures (shared cores, saturated load generator). */
  notes: string[];
  targets: TargetOutcome[];
}
