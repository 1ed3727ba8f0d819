import type {
  AppSchema,
  Client,
  SchemaLike,
  ServerEventData,
  ServerEventName,
  TopicData,
  TopicName,
} from "@dashwire/client";
import { useClient } from "./context.js";
import { type EmitFn, type PublishFn, useConnectionState, useEmit, useEvent, usePublish } from "./hooks.js";
import type { ConnectionState } from "./connection-store.js";
import type { PresenceState } from "./presence-tracker.js";
import { type TopicResult, type UseTopicOptions, usePresence, useTopic } from "./use-topic.js";

/** The hooks, typed by one application schema (see `createDashwireHooks`). */
export interface DashwireHooks<S extends SchemaLike> {
  useClient(): Client<S> | null;
  useTopic<K extends TopicName<S>>(
    topic: K | null | undefined,
    options?: UseTopicOptions,
  ): TopicResult<TopicData<S, K>>;
  useEvent<K extends ServerEventName<S>>(
    event: K,
    handler: (data: ServerEventData<S, K>, ns: string | undefined) => void,
  ): void;
  useEmit(): EmitFn<S>;
  usePublish(): PublishFn<S>;
  usePresence(topic: TopicName<S> | null | undefined): PresenceState;
  useConnectionState(): ConnectionState;
}

/**
 * The hooks typed by schema `S` (the same type given to `connect<S>`), the way tRPC's
 * `createTRPCReact<AppRouter>()` works: topic names, payloads, event data and replies are then
 * checked at each call. Call it once at module level: `export const dw = createDashwireHooks<Schema>()`.
 */
export function createDashwireHooks<S extends SchemaLike = AppSchema>(): DashwireHooks<S> {
  return {
    useClient: () => useClient<S>(),
    useTopic: (topic, options) => useTopic<S, typeof topic & TopicName<S>>(topic, options),
    useEvent: (event, handler) => useEvent<S, typeof event>(event, handler),
    useEmit: () => useEmit<S>(),
    usePublish: () => usePublish<S>(),
    usePresence: (topic) => usePresence(topic),
    useConnectionState,
  };
}
