import type { Scheduler } from "../src/timer.js";

/** Timers a test fires by hand: `fire` runs every pending one, `pending` counts them. */
export function manualScheduler(): Scheduler & { fire(): void; pending(): number } {
  const timers = new Map<number, () => void>();
  let id = 0;
  return {
    now: () => 0,
    setTimeout: (fn) => {
      timers.set(++id, fn);
      return id;
    },
    clearTimeout: (h) => void timers.delete(h as number),
    fire: () => {
      for (const [k, fn] of [...timers]) {
        timers.delete(k);
        fn();
      }
    },
    pending: () => timers.size,
  };
}
