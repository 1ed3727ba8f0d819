/** Any listener signature; `never[]` lets every concrete listener type fit. */
export type Listener = (...args: never[]) => void;

/**
 * Reports an exception thrown by user code without breaking the caller's loop, the way DOM
 * `EventTarget` does: re-thrown in a microtask, so it reaches `window.onerror` or Node's
 * `uncaughtException` instead of being swallowed.
 */
export function reportError(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

/** A tiny typed event emitter: `E` maps event names to listener signatures. */
export class Emitter<E extends { [K in keyof E]: Listener }> {
  // Copy-on-write arrays: emitting while a listener adds or removes listeners stays well-defined.
  private readonly listeners = new Map<keyof E, readonly Listener[]>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof E>(event: K, listener: E[K]): () => void {
    const list = this.listeners.get(event) ?? [];
    this.listeners.set(event, [...list, listener]);
    return () => this.off(event, listener);
  }

  /** Adds a listener that runs once. */
  once<K extends keyof E>(event: K, listener: E[K]): () => void {
    const wrapper = ((...args: Parameters<E[K]>) => {
      off();
      (listener as (...a: Parameters<E[K]>) => void)(...args);
    }) as unknown as E[K];
    const off = this.on(event, wrapper);
    return off;
  }

  /** Removes a listener added with `on`. */
  off<K extends keyof E>(event: K, listener: E[K]): void {
    const list = this.listeners.get(event);
    if (list === undefined) return;
    const next = list.filter((l) => l !== listener);
    if (next.length === 0) this.listeners.delete(event);
    else this.listeners.set(event, next);
  }

  /** Number of listeners for `event`. */
  listenerCount<K extends keyof E>(event: K): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  /** Calls every listener of `event`; a throwing listener is reported and the others still run. */
  emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const list = this.listeners.get(event);
    if (list === undefined) return;
    for (const listener of list) {
      try {
        (listener as (...a: Parameters<E[K]>) => void)(...args);
      } catch (error) {
        reportError(error);
      }
    }
  }
}
