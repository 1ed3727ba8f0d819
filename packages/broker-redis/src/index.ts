/** @dashwire/broker-redis: the Redis broker (pub/sub fan-out, streams history) for multi-node dashwire. */
export {
  RedisBroker,
  type RedisBrokerOptions,
  type RedisClusterConnection,
  redisBrokerDefaults,
} from "./redis-broker.js";
