import type { PresenceInfo } from "@dashwire/protocol";
import type { Publication } from "./broker/broker.js";
import type { Subscription } from "./subscription.js";
import type { ResolvedTopic } from "./topic-config.js";

/** What `TopicEntry.track` makes of a publication. */
export const NEXT = 0;
/** Offsets were skipped, or the epoch changed: this node missed publications. */
export const SKIPPED = 1;
/** Already seen: drop it. */
export const REPEAT = 2;

/** A topic with local subscribers: who gets its publications on this node, and its presence. */
export class TopicEntry {
  /** Local subscriptions, in subscribe order (the hub's fan-out walks this array). */
  readonly subs: Subscription[] = [];
  /** Present clients by session id (when the topic tracks presence). */
  readonly present: ReadonlyMap<string, PresenceInfo> | undefined;
  /** Position of the last publication delivered here (to notice a skip). */
  private epoch = "";
  private offset = 0;

  constructor(
    readonly topic: string,
    readonly config: ResolvedTopic,
    /** Resolves when the broker delivers this topic to this node. */
    readonly ready: Promise<void>,
  ) {
    this.present = config.options.presence ? new Map() : undefined;
  }

  /**
   * Notes `pub` as the latest seen here. A skipped offset or a new epoch means this node missed
   * publications, whatever the broker did (SKIPPED); a repeat of one already seen is REPEAT.
   */
  track(pub: Publication): number {
    let verdict = NEXT;
    if (this.offset !== 0 && (pub.offset !== this.offset + 1 || pub.epoch !== this.epoch)) {
      if (pub.epoch === this.epoch && pub.offset <= this.offset) return REPEAT;
      verdict = SKIPPED;
    }
    this.epoch = pub.epoch;
    this.offset = pub.offset;
    return verdict;
  }

  /** The broker link was lost: the next publication starts tracking afresh. */
  forgetPosition(): void {
    this.offset = 0;
  }

  /** Adds a subscription at the end of the fan-out order. */
  add(sub: Subscription): void {
    this.subs.push(sub);
  }

  /** Removes one subscription (order of the others is kept). */
  remove(sub: Subscription): void {
    const i = this.subs.indexOf(sub);
    if (i >= 0) this.subs.splice(i, 1);
  }

  /** Records a present client (no-op when the topic tracks no presence). */
  join(who: PresenceInfo): void {
    (this.present as Map<string, PresenceInfo> | undefined)?.set(who.client, who);
  }

  /** Forgets a present client; false when it was not there. */
  leave(client: string): boolean {
    return (this.present as Map<string, PresenceInfo> | undefined)?.delete(client) ?? false;
  }
}
