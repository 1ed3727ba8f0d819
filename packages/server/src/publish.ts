import type { Broker, Publication } from "./broker/broker.js";
import { publishInput } from "./client-requests.js";
import type { Hub } from "./hub.js";
import type { PublishOptions, PublishResult } from "./publish-options.js";
import type { Session } from "./session.js";
import type { ServerStats } from "./stats.js";
import type { TopicConfig } from "./topic-config.js";

/** What a publish from server code needs. */
export interface PublishHost {
  readonly stats: ServerStats;
  readonly topics: TopicConfig;
  readonly broker: Broker;
  readonly hub: Hub;
  readonly options: { readonly limits: { readonly queueBytes: number } };
  /** Typed arrays are kept for a binary codec (see `publishInput`). */
  readonly binaryData: boolean;
  /** This node's sessions, to find `except`. */
  readonly sessions: Map<string, Session>;
}

/** Publishes from server code (`server.publish`, `client.broadcast`); see `PublishOptions`. */
export async function publishFromServer(
  core: PublishHost,
  topic: string,
  data: unknown,
  options: PublishOptions,
): Promise<PublishResult> {
  core.stats.publications++;
  const { retention } = core.topics.resolve(topic);
  const report = options.reportBackpressure;
  // Read before the publication is queued: what the publisher learns is the state it published into.
  const threshold = typeof report === "object" ? report.thresholdBytes : core.options.limits.queueBytes / 2;
  const seen = report ? core.hub.backpressure(topic, threshold) : undefined;
  const input = publishInput(topic, data, retention, options.key, options.urgent, core.binaryData);
  const except = options.except === undefined ? undefined : core.sessions.get(options.except.id)?.subs.get(topic);
  const own = except?.expectOwn(input.data);
  let pub: Publication;
  try {
    pub = await core.broker.publish(input);
  } catch (err) {
    if (own !== undefined) except?.forgetOwn(own);
    throw err;
  }
  if (own !== undefined) except?.ownPublished(own, pub);
  if (seen === undefined) return pub;
  // A copy: the broker may keep `pub` in its history.
  return {
    ...pub,
    backpressure: { ...seen, allCongested: seen.subscribers > 0 && seen.congested === seen.subscribers },
  };
}
