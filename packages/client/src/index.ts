/** @dashwire/client: the dashwire SDK for browsers (and Node through `@dashwire/client/node`). */
export type { AnswerHandler } from "./answers.js";
export { Client, type EmitOptions, type PresenceList, type PublishOptions } from "./client.js";
export type { ClientEvents, ClientState, StateReason } from "./client-events.js";
export { connect } from "./connect.js";
export { DashwireClientError } from "./errors.js";
export { type ClientOptions, clientDefaults, type TokenProvider } from "./options.js";
export { PollingTransport } from "./polling-transport.js";
export { SseTransport } from "./sse-transport.js";
export {
  type GapInfo,
  type PublicationInfo,
  type SubscribeOptions,
  Subscription,
  type SubscriptionEvents,
  type SubscriptionState,
} from "./subscription.js";
export { realScheduler, type Scheduler, Timer } from "./timer.js";
export type {
  ClientTransport,
  FetchLike,
  TransportEnv,
  TransportFactory,
  TransportHandlers,
  TransportName,
  WebSocketConstructor,
  WebSocketLike,
} from "./transport.js";
export { createTransportMemory, type StorageLike, type TransportMemory } from "./transport-memory.js";
export { WebSocketTransport } from "./websocket-transport.js";
export {
  type AppSchema,
  type BackoffOptions,
  backoff,
  backoffDefaults,
  CloseCode,
  type Codec,
  ErrorCode,
  type EventData,
  type Frame,
  jsonCodec,
  type EventName,
  type EventReply,
  type PresenceInfo,
  type SchemaLike,
  type ServerEventData,
  type ServerEventName,
  type StreamPosition,
  type SubscribeResult,
  type TopicData,
  type TopicName,
} from "@dashwire/protocol";
