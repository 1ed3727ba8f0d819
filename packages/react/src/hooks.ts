import {
  type AppSchema,
  type Client,
  DashwireClientError,
  type EmitOptions,
  ErrorCode,
  type EventData,
  type EventName,
  type EventReply,
  type PublishOptions,
  type SchemaLike,
  type ServerEventData,
  type ServerEventName,
  type StreamPosition,
  type TopicData,
  type TopicName,
} from "@dashwire/client";
import { useCallback, useEffect, useLayoutEffect, useRef, useSyncExternalStore } from "react";
import { type ConnectionState, connectionStore, noClientState } from "./connection-store.js";
import { useClient } from "./context.js";

/** `client.emit`, bound to the provider's client. */
export type EmitFn<S = AppSchema> = <K extends EventName<S>>(
  event: K,
  data: EventData<S, K>,
  options?: EmitOptions,
) => Promise<EventReply<S, K>>;

/** `client.publish`, bound to the provider's client. */
export type PublishFn<S = AppSchema> = <K extends TopicName<S>>(
  topic: K,
  data: TopicData<S, K>,
  options?: PublishOptions,
) => Promise<StreamPosition>;

function noClient(): Promise<never> {
  return Promise.reject(new DashwireClientError(ErrorCode.Disconnected, "the provider has no client yet"));
}

/**
 * Calls `handler` for each server event `event` (any namespace) while mounted. The newest
 * `handler` is always the one called, so an inline function does not re-register.
 */
export function useEvent<S extends SchemaLike = AppSchema, K extends ServerEventName<S> = ServerEventName<S>>(
  event: K,
  handler: (data: ServerEventData<S, K>, ns: string | undefined) => void,
): void {
  const client = useClient<S>();
  const latest = useRef(handler);
  useLayoutEffect(() => {
    latest.current = handler;
  });
  useEffect(() => {
    if (client === null) return;
    return (client as Client<S>).onEvent(event, (data, ns) => latest.current(data, ns));
  }, [client, event]);
}

/** The client's connection state, transport and last close reason; re-renders on each change. */
export function useConnectionState(): ConnectionState {
  const client = useClient();
  const subscribe = useCallback(
    (onChange: () => void) => (client === null ? () => {} : connectionStore(client).listen(onChange)),
    [client],
  );
  const getSnapshot = () => (client === null ? noClientState : connectionStore(client).state);
  return useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
}

/**
 * A stable `emit(event, data, options)` that resolves with the server handler's reply (its ack)
 * and rejects with `DashwireClientError` (timeout, disconnected, the handler's error). It
 * changes only when the provider's client does.
 */
export function useEmit<S extends SchemaLike = AppSchema>(): EmitFn<S> {
  const client = useClient<S>();
  return useCallback<EmitFn<S>>(
    (event, data, options) => (client === null ? noClient() : client.emit(event, data, options)),
    [client],
  );
}

/** A stable `publish(topic, data, options)` that resolves with the publication's position once the server acks it. */
export function usePublish<S extends SchemaLike = AppSchema>(): PublishFn<S> {
  const client = useClient<S>();
  return useCallback<PublishFn<S>>(
    (topic, data, options) => (client === null ? noClient() : client.publish(topic, data, options)),
    [client],
  );
}
