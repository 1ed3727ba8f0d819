import type { Client } from "@dashwire/client";
import { type FeedWants, TopicFeed } from "./topic-feed.js";

// One map of feeds per client; a client that is dropped takes its feeds with it.
const registries = new WeakMap<Client, Map<string, TopicFeed>>();

/** The feed on `topic`, if one is running for `client`. */
export function peekFeed<T>(client: Client, topic: string): TopicFeed<T> | undefined {
  return registries.get(client)?.get(topic) as TopicFeed<T> | undefined;
}

/** The feed on `topic` for `client` (created on first use) with `wants` added to its consumers. */
export function acquireFeed<T>(client: Client, topic: string, wants: FeedWants): TopicFeed<T> {
  let feeds = registries.get(client);
  if (feeds === undefined) registries.set(client, (feeds = new Map()));
  let feed = feeds.get(topic);
  if (feed === undefined) feeds.set(topic, (feed = new TopicFeed(client, topic)));
  feed.add(wants);
  return feed as TopicFeed<T>;
}

/**
 * Removes `wants` from the feed; a feed left with no consumer unsubscribes after the current
 * task, so React StrictMode's unmount-and-mount-again (and a component that moves) keeps the
 * same subscription instead of unsubscribing and subscribing again.
 */
export function releaseFeed<T>(client: Client, feed: TopicFeed<T>, wants: FeedWants): void {
  feed.remove(wants);
  if (!feed.unused) return;
  setTimeout(() => {
    const feeds = registries.get(client);
    if (!feed.unused || feeds?.get(feed.topic) !== (feed as TopicFeed)) return;
    feeds.delete(feed.topic);
    feed.dispose();
  }, 0);
}
