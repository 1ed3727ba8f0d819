import type { PresenceInfo } from "@dashwire/protocol";
import type { Connection } from "./connection.js";
import type { LiveSubscription } from "./live-client.js";

/** Most clients listed; past it joins are counted but not listed (a dashboard is not a chat room). */
const MAX_LISTED = 500;

/**
 * Who is looking at a dashboard: subscribes to `dashboard:<id>` with presence on, loads the list
 * each time the subscription is confirmed, and follows join/leave events in between.
 */
export class PresenceTracker {
  readonly topic: string;
  private readonly members = new Map<string, PresenceInfo>();
  /** Clients counted but not listed (past the server's list cap or ours). */
  private unlisted = 0;
  private readonly listeners = new Set<() => void>();
  private sub: LiveSubscription | null = null;
  private stopped = false;
  private loadSeq = 0;

  constructor(
    private readonly conn: Connection,
    dashboardId: string,
  ) {
    this.topic = `dashboard:${dashboardId}`;
  }

  /** Number of clients online (at least 1 once connected: this page). */
  get count(): number {
    return this.members.size + this.unlisted;
  }

  /** The clients online, in join order. */
  list(): PresenceInfo[] {
    return [...this.members.values()];
  }

  /** Calls `cb` whenever the list changes; returns a function that stops it. */
  onChange(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Joins the topic and starts tracking. */
  start(): void {
    let sub: LiveSubscription;
    try {
      sub = this.conn.client.subscribe(this.topic, () => {}, { presence: true });
    } catch {
      return; // Presence is a nicety; the dashboard works without it.
    }
    this.sub = sub;
    sub.on("join", (who) => {
      if (this.stopped || this.members.has(who.client)) return;
      if (this.members.size < MAX_LISTED) this.members.set(who.client, who);
      else this.unlisted++;
      this.emit();
    });
    sub.on("leave", (who) => {
      if (this.stopped) return;
      if (!this.members.delete(who.client)) this.unlisted = Math.max(0, this.unlisted - 1);
      this.emit();
    });
    // Every confirmation, including after a reconnect: joins and leaves during an outage were not seen.
    sub.on("subscribed", () => void this.load());
  }

  /** Leaves the topic. */
  stop(): void {
    this.stopped = true;
    try {
      this.sub?.unsubscribe();
    } catch {
      // Already gone with the connection.
    }
    this.members.clear();
    this.unlisted = 0;
    this.listeners.clear();
  }

  private async load(): Promise<void> {
    const seq = ++this.loadSeq;
    try {
      const { count, clients } = await this.conn.client.presence(this.topic);
      if (this.stopped || seq !== this.loadSeq) return;
      this.members.clear();
      for (const who of clients.slice(0, MAX_LISTED)) this.members.set(who.client, who);
      this.unlisted = Math.max(0, count - this.members.size);
      this.emit();
    } catch {
      // Presence is a nicety: keep whatever the join/leave events told us.
    }
  }

  private emit(): void {
    for (const cb of [...this.listeners]) cb();
  }
}
