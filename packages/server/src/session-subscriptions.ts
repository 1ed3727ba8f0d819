import type { Subscription } from "./subscription.js";

/**
 * One session's subscriptions by topic, at most one per topic. Bounded by
 * `limits.subscriptions`, which the hub checks before it adds one. The map is made on the first
 * subscribe: most connections of a large fan-out hold one or two, many hold none.
 */
export class SessionSubscriptions {
  private map: Map<string, Subscription> | undefined = undefined;

  /** The subscription to `topic`, if any. */
  get(topic: string): Subscription | undefined {
    return this.map?.get(topic);
  }

  /** Number of subscriptions. */
  get count(): number {
    return this.map?.size ?? 0;
  }

  /** Every subscription. */
  values(): IterableIterator<Subscription> {
    return (this.map ?? new Map<string, Subscription>()).values();
  }

  /** Every subscribed topic. */
  topics(): IterableIterator<string> {
    return (this.map ?? new Map<string, Subscription>()).keys();
  }

  /** Adds a new subscription (the caller checked there is none on its topic). */
  add(sub: Subscription): void {
    (this.map ??= new Map()).set(sub.topic, sub);
  }

  /** Forgets a subscription; false when it is not the current one of its topic. */
  remove(sub: Subscription): boolean {
    if (this.map?.get(sub.topic) !== sub) return false;
    this.map.delete(sub.topic);
    return true;
  }
}
