/**
 * The clock as the current task reads it: the first reading is kept until the task's microtasks
 * have run, so work started together (a panel's feeds, a dashboard's panels) computes the same
 * windows, and their back-fills share one request (`live/query-batch.ts` batches reads of one
 * window only). Each feed used to read `Date.now()` itself: ten feeds started across a step
 * boundary asked for two windows, sent as two requests. A microtask, not a timer, ends the
 * reading: timers in a hidden tab wait up to a minute, and a reading kept that long would leave
 * a hole in a back-fill.
 */
let held: number | undefined;

/** `Date.now()`, read once per task. */
export function taskNow(): number {
  if (held === undefined) {
    held = Date.now();
    queueMicrotask(() => {
      held = undefined;
    });
  }
  return held;
}
