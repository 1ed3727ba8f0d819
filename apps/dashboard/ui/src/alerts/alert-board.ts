import { type AlertEntry, type AlertEvent, listAlerts } from "../api.js";
import type { LiveClient } from "../live/live-client.js";
import { TopicRead } from "../live/topic-read.js";

/** The topic the server publishes alert transitions on (urgent: past any rate cap). */
export const ALERTS_TOPIC = "alerts";

/** Most rules the board keeps (the server's `maxAlertRules` is 200 by default; past this, new ids are ignored). */
export const MAX_BOARD_RULES = 2000;

/** How bad a state is, for a panel that shows several rules: the worst wins. */
const SEVERITY: Record<AlertEntry["status"]["state"], number> = { ok: 0, resolved: 1, pending: 2, firing: 3 };

/** The worst state among `entries` ("ok" when none). */
export function worstState(entries: readonly AlertEntry[]): AlertEntry["status"]["state"] {
  let worst: AlertEntry["status"]["state"] = "ok";
  for (const e of entries) if (SEVERITY[e.status.state] > SEVERITY[worst]) worst = e.status.state;
  return worst;
}

/** Whether a transition event is well-formed enough to apply (the topic's data is not trusted blindly). */
function isEvent(data: unknown): data is AlertEvent {
  if (typeof data !== "object" || data === null) return false;
  const e = data as Partial<AlertEvent>;
  return typeof e.rule === "string" && typeof e.to === "string" && e.to in SEVERITY && typeof e.at === "number";
}

/**
 * Every alert rule and its live state, for a page: read from `GET /api/v1/alerts`, then kept up
 * to date by the transitions published on the `alerts` topic. The subscription is made first and
 * the list read again at each confirmation (first time, reconnect, gap), so a transition
 * published between the read and the subscription is not missed; a transition older than the
 * state held (by `at`) is ignored, so the order of the read and the events does not matter.
 * An event for a rule not read yet (just created) triggers a read of the list.
 */
export class AlertBoard {
  private readonly entries = new Map<string, AlertEntry>();
  private readonly listeners = new Set<(event: AlertEvent | null) => void>();
  private readonly live: TopicRead<AlertEntry[]>;
  /** The last read failed, or live states are unavailable (shown by the alerts page). */
  error: string | null = null;

  constructor(client: LiveClient) {
    this.live = new TopicRead(client, ALERTS_TOPIC, {
      load: (signal) => listAlerts(signal),
      loaded: (list) => this.loaded(list),
      failed: (message) => {
        this.error = message;
        this.emit(null);
      },
      event: (data) => this.apply(data),
    });
  }

  /** Subscribes to the alerts topic and reads the rules. */
  start(): void {
    this.live.start();
  }

  /** Rules by id, with their states. */
  list(): AlertEntry[] {
    return [...this.entries.values()].sort((a, b) => a.rule.id.localeCompare(b.rule.id));
  }

  /** The rules shown on a panel: those naming it, and those on a series it draws. */
  forPanel(dashboard: string, panel: string, series: readonly string[]): AlertEntry[] {
    const out: AlertEntry[] = [];
    for (const e of this.entries.values()) {
      const r = e.rule;
      if ((r.dashboard === dashboard && r.panel === panel) || series.includes(r.series)) out.push(e);
    }
    return out;
  }

  /** Calls `cb` after every change: with the transition, or null after a read. */
  onChange(cb: (event: AlertEvent | null) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Reads the rules again (after an edit). */
  refresh(): void {
    this.live.read();
  }

  stop(): void {
    this.live.stop();
    this.listeners.clear();
  }

  private loaded(list: readonly AlertEntry[]): void {
    const held = new Map(this.entries);
    this.entries.clear();
    for (const e of list.slice(0, MAX_BOARD_RULES)) {
      // A transition heard while the read was on its way is newer than what the read saw.
      const h = held.get(e.rule.id);
      const status = h !== undefined && h.status.since > e.status.since ? h.status : e.status;
      this.entries.set(e.rule.id, { ...e, status });
    }
    this.error = null;
    this.emit(null);
  }

  private apply(data: unknown): void {
    if (!isEvent(data)) return;
    const entry = this.entries.get(data.rule);
    if (entry === undefined) {
      // A rule created since the read (or on another page): its definition comes with a read.
      this.live.read();
      return;
    }
    if (data.at < entry.status.since) return;
    entry.status = { state: data.to, since: data.at, value: data.value, evaluatedAt: data.at };
    this.emit(data);
  }

  private emit(event: AlertEvent | null): void {
    for (const cb of [...this.listeners]) cb(event);
  }
}
