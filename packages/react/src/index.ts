/** @dashwire/react: React bindings for the dashwire client SDK (provider and hooks). */
export { type ConnectionState, noClientState } from "./connection-store.js";
export { DashwireProvider, type DashwireProviderProps, useClient } from "./context.js";
export { type EmitFn, type PublishFn, useConnectionState, useEmit, useEvent, usePublish } from "./hooks.js";
export { PRESENCE_CLIENTS_LIMIT, type PresenceState, presenceUnknown } from "./presence-tracker.js";
export type { FeedState, TopicItem, TopicStatus } from "./topic-feed.js";
export { createDashwireHooks, type DashwireHooks } from "./typed-hooks.js";
export { type TopicResult, topicDefaults, type UseTopicOptions, usePresence, useTopic } from "./use-topic.js";
