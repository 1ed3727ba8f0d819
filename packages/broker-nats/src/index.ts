/** @dashwire/broker-nats: the NATS broker (core subjects fan-out, JetStream offsets and history) for multi-node dashwire. */
export { batchHeaders, decodeBatch, decodeLatest, encodeBatch, Hdr, latestHeaders } from "./nats-entry.js";
export { type BatcherLimits, type Flushed, PublishBatcher } from "./publish-batcher.js";
export { NatsBroker, type NatsBrokerOptions, natsBrokerDefaults } from "./nats-broker.js";
export { type Head, isWrongLastSequence, NatsStore, type StoreLayout } from "./nats-store.js";
export { decodeToken, encodeToken } from "./subject-token.js";
