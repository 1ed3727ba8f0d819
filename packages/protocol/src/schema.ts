/**
 * End-to-end typing, one declaration for both ends. An application describes its events and
 * topics once as a type and passes it to `createServer<Schema>()` and `connect<Schema>(…)`: the
 * server's `on` handlers and `publish` payloads, and the client's `emit`, `subscribe` handlers,
 * `publish` payloads and `onEvent` handlers are then checked against it. Without a schema every
 * payload is `unknown`. Types only: nothing here exists at run time.
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

/** What `createServer<S>` and `connect<S>` accept: any of the three parts, each an object type. */
export type SchemaLike = { events?: object; topics?: object; serverEvents?: object };

/** Names the schema declares under `part`, or any string when it declares none. */
type Names<S, P extends string> = S extends Record<P, infer M> ? keyof M & string : string;

/** What the schema declares for `name` under `part`; `unknown` without a schema or for other names. */
type Declared<S, P extends string, K extends string> =
  S extends Record<P, infer M> ? (K extends keyof M ? M[K] : unknown) : unknown;

/** Field `F` of event `K`: `Missing` when the event omits it, `unknown` without a schema. */
type EventField<S, K extends string, F extends string, Missing> =
  S extends Record<"events", infer E>
    ? K extends keyof E
      ? E[K] extends Record<F, infer V>
        ? V
        : Missing
      : unknown
    : unknown;

/** Event names the schema allows for `emit` (and the server's `on`). */
export type EventName<S> = Names<S, "events">;

/** Data `emit(event)` sends: what the server's handler gets. */
export type EventData<S, K extends string> = EventField<S, K, "data", undefined>;

/** What `emit(event)` resolves to: what the server's handler returns. */
export type EventReply<S, K extends string> = EventField<S, K, "reply", unknown>;

/** Topic names the schema allows for `subscribe` and `publish`. */
export type TopicName<S> = Names<S, "topics">;

/** Payload of publications on `topic`. */
export type TopicData<S, K extends string> = Declared<S, "topics", K>;

/** Server event names the schema declares. */
export type ServerEventName<S> = Names<S, "serverEvents">;

/** Data of server event `event`. */
export type ServerEventData<S, K extends string> = Declared<S, "serverEvents", K>;
