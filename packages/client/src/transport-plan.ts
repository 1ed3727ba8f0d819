import type { TransportName } from "./transport.js";
import type { TransportMemory } from "./transport-memory.js";

/**
 * Which transport to try, in what order. A connect cycle tries each candidate once, starting
 * with the one that last worked (remembered across reloads when a memory is given, else within
 * this client), then the rest in `options.transports` order, wrapping around. The upgrade target
 * is the most preferred candidate, whenever the transport in use is not it.
 */
export class TransportPlan {
  private order: readonly TransportName[];
  private index = 0;
  private lastGood: TransportName | undefined = undefined;
  private readonly url: string;

  constructor(
    /** Usable transports in order of preference (at least one). */
    private readonly candidates: readonly TransportName[],
    url: string,
    private readonly memory: TransportMemory | undefined,
  ) {
    this.order = candidates;
    // Remembered per endpoint without its query: a `?token=` must not end up in localStorage.
    const u = new URL(url);
    u.search = "";
    u.hash = "";
    this.url = u.toString();
  }

  /** Starts a cycle; returns the first transport to try. */
  begin(): TransportName {
    const preferred = this.memory?.get(this.url) ?? this.lastGood;
    const s = preferred === undefined ? 0 : Math.max(this.candidates.indexOf(preferred), 0);
    this.order = [...this.candidates.slice(s), ...this.candidates.slice(0, s)];
    this.index = 0;
    return this.order[0] as TransportName;
  }

  /** True when the cycle has a transport left after the current one. */
  get hasNext(): boolean {
    return this.index + 1 < this.order.length;
  }

  /** The current transport looks blocked: the next to try, or undefined when the cycle is over. */
  next(): TransportName | undefined {
    if (!this.hasNext) return undefined;
    return this.order[++this.index];
  }

  /** `name` completed a handshake: the next cycle starts with it. A forced transport is not remembered. */
  succeeded(name: TransportName): void {
    this.lastGood = name;
    if (this.candidates.length > 1) this.memory?.set(this.url, name);
  }

  /** The transport worth upgrading to from `current`, if any. */
  upgradeTarget(current: TransportName): TransportName | undefined {
    const best = this.candidates[0];
    return best === current ? undefined : best;
  }
}
