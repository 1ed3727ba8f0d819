/**
 * End-to-end typing: one map of events and topics shared by server and client. The client
 * package defines the same shape, so one declaration types both sides:
 *
 * ```ts
 * interface Api {
 *   events: { add: { data: { a: number; b: number }; reply: number } };
 *   topics: { [name: `ticker:${string}`]: { price: number } };
 *   serverEvents: { notice: { text: string } };
 * }
 * const server = createServer<Api>();  // typed on(), publish()
 * const client = connect<Api>(url);    // typed emit(), subscribe(), publish()
 * ```
 */
export interface AppSchema {
  events?: Record<string, { data?: unknown; reply?: unknown }>;
  topics?: Record<string, unknown>;
  serverEvents?: Record<string, unknown>;
}

type Events<S> = S extends { events: infer E } ? E : Record<string, { data?: unknown; reply?: unknown }>;
type Topics<S> = S extends { topics: infer T } ? T : Record<string, unknown>;

/** Event names of a schema. */
export type EventName<S> = keyof Events<S> & string;
/** Payload type of an event. */
export type EventData<S, E extends string> = E extends keyof Events<S>
  ? Events<S>[E] extends { data?: infer D }
    ? D
    : unknown
  : unknown;
/** Reply type of an event. */
export type EventReply<S, E extends string> = E extends keyof Events<S>
  ? Events<S>[E] extends { reply?: infer R }
    ? R
    : unknown
  : unknown;
/** Topic names of a schema (template literal patterns allowed). */
export type TopicName<S> = keyof Topics<S> & string;
/** Publication data type of a topic. */
export type TopicData<S, T extends string> = T extends keyof Topics<S> ? Topics<S>[T] : unknown;
