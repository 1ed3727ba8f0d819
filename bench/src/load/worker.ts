/**
 * Load generator process: the CLI starts it pinned to the load cores (`taskset`) and drives it
 * over IPC. In: `{type:"run", plan}`. Out: `phase`, `tick`, then `result` or `error`; then it exits.
 */
import { LoadGenerator, type LoadPhase, type LoadResult, type LoadTick } from "./load-generator.js";
import type { LoadPlan } from "./load-plan.js";

/** Messages the worker sends to the CLI. */
export type WorkerMessage =
  | { type: "phase"; phase: LoadPhase; atMs: number }
  | { type: "tick"; tick: LoadTick }
  | { type: "result"; result: LoadResult }
  | { type: "error"; message: string };

/** Messages the CLI sends to the worker. */
export type WorkerCommand = { type: "run"; plan: Partial<LoadPlan> } | { type: "stop" };

const send = (message: WorkerMessage, then?: () => void) => process.send?.(message, undefined, {}, () => then?.());
let generator: LoadGenerator | undefined;

process.on("message", (command: WorkerCommand) => {
  if (command.type === "stop") {
    generator?.stop();
    return;
  }
  if (generator) return;
  generator = new LoadGenerator(command.plan, {
    phase: (phase, atMs) => send({ type: "phase", phase, atMs }),
    tick: (tick) => send({ type: "tick", tick }),
  });
  // Disconnect only once the last message is handed over: the CLI waits for it.
  const done = () => process.disconnect?.();
  generator.run().then(
    (result) => send({ type: "result", result }, done),
    (error: unknown) => send({ type: "error", message: error instanceof Error ? error.message : String(error) }, done),
  );
});

// The CLI going away must not leave a load generator behind.
process.on("disconnect", () => process.exit(0));
