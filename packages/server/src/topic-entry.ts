import type { PresenceInfo } from "@dashwire/protocol";
import type { ResolvedTopic } from "./topic-config.js";
import type { Subscription } from "./subscription.js";

/** A topic with local subscribers: who gets its publications on this node, and its presence. */
export class TopicEntry {
  /** Local subscriptions, in subscribe order. */
  readonly subs: Subscription[] = [];
  /** Present clients by session id (when the topic tracks presence). */
  readonly present: Map<string, PresenceInfo> | undefined;
  /** Resolves when the broker delivers this topic to this node. */
  ready: Promise<void> = Promise.resolve();
  /** Position of the last publication delivered here (to notice a skip: see Hub.onPublication). */
  epoch = "";
  offset = 0;

  constructor(
    readonly topic: string,
    readonly config: ResolvedTopic,
  ) {
    this.present = config.options.presence ? new Map() : undefined;
  }

  /** Removes one subscription (order of the others is kept). */
  remove(sub: Subscription): void {
    const i = this.subs.indexOf(sub);
    if (i >= 0) this.subs.splice(i, 1);
  }
}
