import type { Session } from "./session.js";

/**
 * Subscribes still waiting for their topic's `canSubscribe` hook, per session and topic: the
 * messages of one frame are served in one turn, and a subscribe is not the session's until its
 * hook answers. Without this record an `unsub` sent right after a `sub` found nothing to end (the
 * subscription was then made anyway, unknown to the client), and a `sub` that replaced it waited
 * on its own hook, found the first one made and was never answered: a dashboard panel stayed
 * unconfirmed for good (the time-range browser test, brief "subfix").
 *
 * Bounded: a session holds at most one entry per topic, and the hub counts them against
 * `limits.subscriptions`. Kept in a WeakMap so a closed session leaves nothing behind.
 */
export class SubscribeAdmissions {
  private readonly bySession = new WeakMap<Session, Map<string, symbol>>();

  /** Subscribes of `session` in their hook now. */
  count(session: Session): number {
    return this.bySession.get(session)?.size ?? 0;
  }

  /** True when a subscribe of `session` to `topic` is in its hook. */
  has(session: Session, topic: string): boolean {
    return this.bySession.get(session)?.has(topic) === true;
  }

  /** Records a subscribe entering its hook; the ticket says later whether it still holds. */
  begin(session: Session, topic: string): symbol {
    let topics = this.bySession.get(session);
    if (topics === undefined) {
      topics = new Map();
      this.bySession.set(session, topics);
    }
    const ticket = Symbol(topic);
    topics.set(topic, ticket);
    return ticket;
  }

  /** An `unsub` (or a leave) ends the subscribe in the hook; false when there was none. */
  cancel(session: Session, topic: string): boolean {
    return this.bySession.get(session)?.delete(topic) === true;
  }

  /** The hook answered: forgets the entry; false when it was cancelled meanwhile. */
  end(session: Session, topic: string, ticket: symbol): boolean {
    const topics = this.bySession.get(session);
    if (topics?.get(topic) !== ticket) return false;
    topics.delete(topic);
    return true;
  }
}
