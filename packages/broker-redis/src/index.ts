/** @dashwire/broker-redis: the Redis broker (pub/sub fan-out, streams history) for multi-node dashwire. */
export { type BackoffOptions, backoff } from "./backoff.js";
export { decodeEntry } from "./entry-codec.js";
export {
  RedisBroker,
  type RedisBrokerOptions,
  type RedisClusterConnection,
  redisBrokerDefaults,
} from "./redis-broker.js";
export { escapeTopic, type TopicKeys, topicKeys } from "./redis-keys.js";
