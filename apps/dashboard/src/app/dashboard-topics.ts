import type { DashwireServer, TopicAccess } from "@dashwire/server";
import { ALERTS_TOPIC } from "../alerts/alerts.js";
import { ANNOTATIONS_TOPIC } from "../annotations/annotations.js";
import type { WatchedTopics } from "../series/watched-topics.js";

/** What the dashboard's topics need. */
export interface DashboardTopicsDeps {
  /** Who may subscribe (the read scope; every topic, presence included). */
  readable: (access: TopicAccess) => boolean;
  /** Notes the series someone subscribed to here (previewed as soon as they are written). */
  watched: WatchedTopics;
  /** Alert rules at most (the alerts topic keeps each rule's latest transition). */
  maxAlertRules: number;
}

/**
 * Declares the dashboard's topics on its dashwire server: `metrics:<seriesId>` (one rollup per
 * second, with history and the latest), `dashboard:<id>` (presence of viewers), the alerts topic
 * (the latest per rule: a snapshot is every rule's last transition) and the annotations topic.
 */
export function declareDashboardTopics(server: DashwireServer, deps: DashboardTopicsDeps): void {
  const { readable, watched } = deps;
  server.topic("metrics:*", {
    history: { size: 300, ttlMs: 600_000 },
    latest: { maxKeys: 1 },
    canSubscribe: watched.noting(readable),
  });
  server.topic("dashboard:*", {
    presence: true,
    history: { size: 0 },
    latest: { maxKeys: 0 },
    canSubscribe: readable,
  });
  const events = { history: { size: 100, ttlMs: 600_000 }, canSubscribe: readable };
  server.topic(ALERTS_TOPIC, { ...events, latest: { maxKeys: deps.maxAlertRules } });
  server.topic(ANNOTATIONS_TOPIC, { ...events, latest: { maxKeys: 0 } });
}
