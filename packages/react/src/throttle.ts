/** A function that runs at most once per `ms`, the last call of a burst delayed, never dropped. */
export interface Throttled {
  /** Runs now when `ms` passed since the last run, else once at the end of the window. */
  call(): void;
  /** Drops a pending run. */
  cancel(): void;
}

/** Throttles `fn` to one run per `ms` (leading and trailing edge). */
export function throttle(fn: () => void, ms: number): Throttled {
  let lastRun = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = () => {
    timer = undefined;
    lastRun = Date.now();
    fn();
  };
  return {
    call() {
      if (timer !== undefined) return;
      const wait = lastRun + ms - Date.now();
      if (wait <= 0) run();
      else timer = setTimeout(run, wait);
    },
    cancel() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
