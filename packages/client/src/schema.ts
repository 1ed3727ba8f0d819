/**
 * End-to-end typing. An application describes its events and topics once as a type and passes it
 * as `connect<Schema>(…)`; `emit`, `subscribe` handlers, `publish` payloads and `onEvent` handlers
 * are then checked against it. Without a schema everything is `unknown`.
 *
 * ```ts
 * type Schema = {
 *   events: { add: { data: { a: number; b: number }; reply: number } };
 *   topics: { [k: `ticker:${string}`]: { price: number } };
 *   serverEvents: { notice: { text: string } };
 * };
 * ```
 */

/** The loosest schema: any event, topic and server event, all payloads `unknown`. */
export interface AppSchema {
  /** Client → server events: `data` is what `emit` sends, `reply` what its promise resolves to. */
  events: { [event: string]: { data: unknown; reply: unknown } };
  /** Topic name (or template such as `ticker:${string}`) → publication payload. */
  topics: { [topic: string]: unknown };
  /** Server → client events: name → data. */
  serverEvents: { [event: string]: unknown };
}

/** What `connect<S>` accepts: any of the three parts, each an object type. */
export type SchemaLike = { events?: object; topics?: object; serverEvents?: object };

/** Event names the schema allows for `emit`. */
export type EventName<S> = S extends { events: infer E } ? keyof E & string : string;

/** Data `emit(event)` sends. */
export type EventData<S, K extends string> = S extends { events: infer E }
  ? K extends keyof E
    ? E[K] extends { data: infer D }
      ? D
      : undefined
    : unknown
  : unknown;

/** What `emit(event)` resolves to. */
export type EventReply<S, K extends string> = S extends { events: infer E }
  ? K extends keyof E
    ? E[K] extends { reply: infer R }
      ? R
      : unknown
    : unknown
  : unknown;

/** Topic names the schema allows for `subscribe` and `publish`. */
export type TopicName<S> = S extends { topics: infer T } ? keyof T & string : string;

/** Payload of publications on `topic`. */
export type TopicData<S, K extends string> = S extends { topics: infer T }
  ? K extends keyof T
    ? T[K]
    : unknown
  : unknown;

/** Server event names the schema declares. */
export type ServerEventName<S> = S extends { serverEvents: infer E } ? keyof E & string : string;

/** Data of server event `event`. */
export type ServerEventData<S, K extends string> = S extends { serverEvents: infer E }
  ? K extends keyof E
    ? E[K]
    : unknown
  : unknown;
