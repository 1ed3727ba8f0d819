/** Redis key names of one topic. All share the hash tag `{topic}`, so in Redis Cluster they live in one slot. */
export interface TopicKeys {
  /** Hash: `e` epoch, `o` last offset, `n` history size, `a` history TTL ms. */
  meta: string;
  /** Stream: history ring, entry ids `<offset>-0`, one field `p` (the encoded publication). */
  stream: string;
  /** Hash: latest encoded publication per key. */
  latest: string;
  /** Sorted set: key → offset of its latest publication (eviction order for `latestKeys`). */
  order: string;
  /** Pub/sub channel (sharded where the server supports it). */
  channel: string;
}

/**
 * Escapes `{`, `}` and `%` so a topic cannot end the hash tag early (`}` inside it would put a
 * topic's keys in different Cluster slots) or collide with another topic's escaped name.
 */
export function escapeTopic(topic: string): string {
  return /[{}%]/.test(topic) ? topic.replace(/[{}%]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : topic;
}

/** Key names of `topic` under `prefix` (the prefix must not contain `{` or `}`). */
export function topicKeys(prefix: string, topic: string): TopicKeys {
  const base = `${prefix}{${escapeTopic(topic)}}:`;
  return { meta: `${base}m`, stream: `${base}h`, latest: `${base}k`, order: `${base}z`, channel: `${base}c` };
}
