import type { PresenceInfo, PresenceList } from "@dashwire/client";

/** Who is on a topic, as `usePresence` returns it. */
export interface PresenceState {
  /** Clients on the topic (all nodes), including this one; -1 until the first list arrived. */
  count: number;
  /** The clients known here, at most `PRESENCE_CLIENTS_LIMIT`, in arrival order. */
  clients: readonly PresenceInfo[];
  /** True once a presence list arrived for the current subscription. */
  ready: boolean;
  /** Why the list could not be had (presence disabled for the topic, forbidden, disconnected). */
  error: Error | undefined;
}

/** Most clients kept in a presence list (the server sends at most 1000 per request, too). */
export const PRESENCE_CLIENTS_LIMIT = 1000;

/** The state before any list arrived. */
export const presenceUnknown: PresenceState = Object.freeze({ count: -1, clients: [], ready: false, error: undefined });

type Change = { kind: "join" | "leave"; who: PresenceInfo };

/**
 * Keeps a topic's presence from a fetched list plus the `join`/`leave` events after it. Events
 * that arrive while a fetch is in flight are replayed on top of its answer: both are idempotent
 * (a join sets, a leave deletes, by session id), so replaying one the list already reflects
 * changes nothing, and the order of events is kept.
 */
export class PresenceTracker {
  private readonly present = new Map<string, PresenceInfo>();
  private count = -1;
  private ticket = 0;
  private inFlight = false;
  private pending: Change[] = [];
  private error: Error | undefined = undefined;
  private current: PresenceState = presenceUnknown;

  /** The state to render; a new object only after a change. */
  get state(): PresenceState {
    return this.current;
  }

  /** A fetch starts; returns its ticket for `listed` / `failed` (a later fetch supersedes it). */
  fetchStarted(): number {
    this.pending = [];
    this.inFlight = true;
    return ++this.ticket;
  }

  /** The answer of fetch `ticket`; false when a later fetch superseded it. */
  listed(ticket: number, list: PresenceList): boolean {
    if (ticket !== this.ticket) return false;
    this.present.clear();
    for (const who of list.clients) if (this.present.size < PRESENCE_CLIENTS_LIMIT) this.present.set(who.client, who);
    this.count = list.count;
    this.error = undefined;
    this.inFlight = false; // events apply directly from now on
    const replay = this.pending;
    this.pending = [];
    for (const c of replay) this.apply(c.kind, c.who);
    this.publish();
    return true;
  }

  /** Fetch `ticket` failed; false when a later fetch superseded it. */
  failed(ticket: number, error: Error): boolean {
    if (ticket !== this.ticket) return false;
    this.inFlight = false;
    this.pending = [];
    this.error = error;
    this.publish();
    return true;
  }

  /** A `join` or `leave` event; returns true when the state changed. */
  event(kind: "join" | "leave", who: PresenceInfo): boolean {
    if (this.inFlight) {
      // Bounded: a fetch answers within the SDK's ack timeout; past the limit, the list's own
      // answer is what counts.
      if (this.pending.length < PRESENCE_CLIENTS_LIMIT) this.pending.push({ kind, who });
      return false;
    }
    if (this.count < 0 || !this.apply(kind, who)) return false;
    this.publish();
    return true;
  }

  private apply(kind: "join" | "leave", who: PresenceInfo): boolean {
    if (kind === "join") {
      if (this.present.has(who.client)) return false;
      if (this.present.size < PRESENCE_CLIENTS_LIMIT) this.present.set(who.client, who);
      this.count++;
      return true;
    }
    // A leave of a client beyond the list cap is still one fewer on the topic.
    const known = this.present.delete(who.client);
    if (!known && this.count <= this.present.size) return false;
    this.count--;
    return true;
  }

  private publish(): void {
    this.current = Object.freeze({
      count: this.count,
      clients: [...this.present.values()],
      ready: this.count >= 0,
      error: this.error,
    });
  }
}
