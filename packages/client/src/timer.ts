/**
 * Timers go through a `Scheduler` so tests can replace time (phoenix.js `Timer` idea: the
 * schedule is a replaceable function). The client never calls `setTimeout` directly.
 */

/** Source of time and one-shot timers. */
export interface Scheduler {
  /** Milliseconds on a monotonic-enough clock. */
  now(): number;
  /** Runs `fn` once after `ms`; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer; unknown or fired handles are ignored. */
  clearTimeout(handle: unknown): void;
}

/** The platform's timers and clock. */
export const realScheduler: Scheduler = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]),
};

/** A restartable one-shot timer; the callback is bound once, not per start. */
export class Timer {
  private handle: unknown = undefined;
  private armed = false;
  private readonly fire: () => void;

  constructor(
    callback: () => void,
    private readonly scheduler: Scheduler,
  ) {
    this.fire = () => {
      this.armed = false;
      callback();
    };
  }

  /** True while a start is pending. */
  get active(): boolean {
    return this.armed;
  }

  /** (Re)starts the timer: an earlier pending start is cancelled. */
  start(ms: number): void {
    this.stop();
    this.armed = true;
    this.handle = this.scheduler.setTimeout(this.fire, ms);
  }

  /** Cancels the pending start, if any. */
  stop(): void {
    if (!this.armed) return;
    this.armed = false;
    this.scheduler.clearTimeout(this.handle);
  }
}
