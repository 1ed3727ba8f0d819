/** @dashwire/server: sessions, router, hub, transports and brokers of a dashwire node. */
export type {
  Broker,
  BrokerSink,
  BrokerStatus,
  HistoryQuery,
  HistoryResult,
  Publication,
  PublishInput,
  TopicRetention,
} from "./broker/broker.js";
export { HistoryRing } from "./broker/history-ring.js";
export { MemoryBroker, type MemoryBrokerOptions, memoryBrokerDefaults, newEpoch } from "./broker/memory-broker.js";
export type { AppNodeHandler, AppNodes } from "./app-nodes.js";
export type { Client, UserIdentity } from "./client.js";
export { ConnectContext, type ConnectMiddleware, type HandshakeInfo } from "./connect-context.js";
export { hostAllowed, hostName, normalizeAllowedHosts, originAllowed } from "./edge.js";
export { DashwireError, toWireError } from "./errors.js";
export { type ServerApiOptions, serverApiDefaults } from "./http/server-api-options.js";
export { type LimitOptions, type ServerOptions, type ServerOptionsInput, serverDefaults } from "./options.js";
export type { JoinOptions } from "./join-options.js";
export type { UserJoinReport } from "./rooms.js";
export type { EmitWithAckOptions } from "./server-requests.js";
export { type EventContext, type EventHandler, type EventMiddleware, Namespace } from "./router.js";
export type { ServerEvents } from "./core.js";
export { createServer, DashwireServer } from "./server.js";
export type { PublishOptions, PublishResult } from "./publish-options.js";
export type { ClientBackpressure } from "./client-actions.js";
export { EVENT_LOOP_RESOLUTION_MS, type LabelledValue, type ReadMetric } from "./http/metrics.js";
export { ServerStats } from "./stats.js";
export type { DisconnectOptions } from "./user-disconnect.js";
export { type TopicAccess, type TopicOptions, topicDefaults } from "./topic-config.js";
export type { Transport, TransportSink } from "./transport/transport.js";
export { CloseCode, ErrorCode } from "@dashwire/protocol";
export type { AppSchema, EventData, EventName, EventReply, SchemaLike, TopicData, TopicName } from "@dashwire/protocol";
export { type MetricJson, metricValue } from "./cluster/cluster-metrics.js";
