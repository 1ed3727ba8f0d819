import type { AppSchema, SchemaLike, TopicData, TopicName } from "@dashwire/client";
import { useCallback, useMemo, useSyncExternalStore } from "react";
import { useClient } from "./context.js";
import { acquireFeed, peekFeed, releaseFeed } from "./feed-registry.js";
import { type PresenceState, presenceUnknown } from "./presence-tracker.js";
import { throttle } from "./throttle.js";
import { emptyFeedState, type FeedState, type FeedWants } from "./topic-feed.js";

/** Options of `useTopic` (defaults in `topicDefaults`). */
export interface UseTopicOptions {
  /** `stream`: every publication, in order, kept in `items`. `latest`: newest value per key, at most `maxRate` times a second. */
  mode?: "stream" | "latest";
  /** `latest` mode: flushes (and so re-renders) per second at most; the server's cap when absent. */
  maxRate?: number;
  /** Start with the latest value of every key (and again when a resume fails). */
  snapshot?: boolean;
  /** Start with the last N publications of history (first subscribe only). */
  last?: number;
  /** Stream mode: how many of the newest publications `items` keeps. */
  limit?: number;
  /** How many keys `values` keeps; the key updated longest ago goes first. */
  maxKeys?: number;
  /** Stream mode, after a resume that did not recover: `clear` starts `items` afresh, `mark` keeps them and flags the first new item `afterBreak`. */
  onReset?: "clear" | "mark";
}

/** Defaults of `useTopic` options. */
export const topicDefaults = {
  mode: "stream",
  limit: 100,
  maxKeys: 1000,
  onReset: "clear",
} as const satisfies UseTopicOptions;

/** What `useTopic` returns: the topic's shared state, `items` cut to this hook's `limit` and `onReset`. */
export type TopicResult<T> = FeedState<T>;

function positiveInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`useTopic: ${name} must be a positive integer, got ${v}`);
  return v;
}

const noop = () => {};

/**
 * Subscribes to `topic` while the component is mounted (pass null or undefined to subscribe to
 * nothing). Every hook on one topic shares one SDK subscription; see docs/react.md for how
 * their options combine. Re-renders at most once per received frame, and in `latest` mode with
 * a `maxRate` at most that many times a second.
 */
export function useTopic<S extends SchemaLike = AppSchema, K extends TopicName<S> = TopicName<S>>(
  topic: K | null | undefined,
  options: UseTopicOptions = {},
): TopicResult<TopicData<S, K>> {
  type T = TopicData<S, K>;
  const client = useClient();
  const mode = options.mode ?? topicDefaults.mode;
  const { maxRate, last } = options;
  const snapshot = options.snapshot === true;
  const limit = positiveInt("limit", options.limit ?? topicDefaults.limit);
  const maxKeys = positiveInt("maxKeys", options.maxKeys ?? topicDefaults.maxKeys);
  const onReset = options.onReset ?? topicDefaults.onReset;
  const subscribe = useCallback(
    (onChange: () => void) => {
      if (client === null || topic === null || topic === undefined) return noop;
      const wants: FeedWants = { mode, maxRate, snapshot, last, limit, maxKeys, presence: false };
      const feed = acquireFeed<T>(client, topic, wants);
      // A latest hook on a feed that another hook made a stream (or faster) still renders at its own rate.
      const notify = mode === "latest" && maxRate !== undefined ? throttle(onChange, 1000 / maxRate) : undefined;
      const off = feed.listen(notify?.call ?? onChange);
      return () => {
        off();
        notify?.cancel();
        releaseFeed(client, feed, wants);
      };
    },
    [client, topic, mode, maxRate, snapshot, last, limit, maxKeys],
  );
  const getSnapshot = (): FeedState<T> =>
    (client !== null && topic !== null && topic !== undefined ? peekFeed<T>(client, topic)?.state : undefined) ??
    emptyFeedState<T>();
  const state = useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
  return useMemo(() => cut(state, limit, onReset), [state, limit, onReset]);
}

/** The items one hook shows: after the latest reset (with `clear`), the newest `limit`. */
function cut<T>(state: FeedState<T>, limit: number, onReset: "clear" | "mark"): FeedState<T> {
  const items = state.items;
  const first = items[0]?.seq ?? 0;
  // Items hold consecutive seqs, so the reset's index is a subtraction.
  const from = Math.max(items.length - limit, onReset === "clear" ? state.resetSeq - first : 0, 0);
  return from === 0 ? state : Object.freeze({ ...state, items: Object.freeze(items.slice(from)) });
}

/**
 * Who is on `topic` (presence must be enabled for it on the server): the list is fetched when
 * the subscription is confirmed (again after each reconnect) and kept current with join and
 * leave events. Shares the topic's subscription with `useTopic` hooks.
 */
export function usePresence(topic: string | null | undefined): PresenceState {
  const client = useClient();
  const subscribe = useCallback(
    (onChange: () => void) => {
      if (client === null || topic === null || topic === undefined) return noop;
      const wants: FeedWants = {
        mode: undefined,
        maxRate: undefined,
        snapshot: false,
        last: undefined,
        limit: 1,
        maxKeys: 1,
        presence: true,
      };
      const feed = acquireFeed(client, topic, wants);
      const off = feed.listenPresence(onChange);
      return () => {
        off();
        releaseFeed(client, feed, wants);
      };
    },
    [client, topic],
  );
  const getSnapshot = (): PresenceState =>
    (client !== null && topic !== null && topic !== undefined ? peekFeed(client, topic)?.presenceState : undefined) ??
    presenceUnknown;
  return useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
}
