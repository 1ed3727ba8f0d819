/** @dashwire/broker-nats: the NATS broker (core subjects fan-out, JetStream offsets and history) for multi-node dashwire. */
export { NatsBroker, type NatsBrokerOptions, natsBrokerDefaults } from "./nats-broker.js";
