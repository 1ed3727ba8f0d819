/**
 * Validation of decoded messages. Every inbound message is checked field by field before it
 * reaches server code; a bad one becomes a `Violation` with a stable code and a message that
 * names the field, never an exception. Hand-written rather than schema-compiled because it runs
 * for every inbound message and this package has no dependencies.
 */
import { ErrorCode } from "./codes.js";
import type { ClientMessage, ServerMessage } from "./messages.js";

/** Why a message was refused. `id` is set when the message carried a readable id. */
export class Violation {
  constructor(
    readonly code: number,
    readonly message: string,
    readonly id?: number,
  ) {}
}

/** Topic names: 1..maxLength characters from this set (no spaces, no control characters). */
const TOPIC_CHARS = /^[A-Za-z0-9_\-:.@/=+#~,]+$/;

/** Default maximum topic length, in characters. */
export const MAX_TOPIC_LENGTH = 256;

/** True when `name` is an acceptable topic name. */
export function isValidTopic(name: unknown, maxLength = MAX_TOPIC_LENGTH): name is string {
  return typeof name === "string" && name.length > 0 && name.length <= maxLength && TOPIC_CHARS.test(name);
}

/** Event names follow the same rule as topics. */
export const isValidEventName = isValidTopic;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function optional(m: Record<string, unknown>, field: string, type: string): boolean {
  const v = m[field];
  return v === undefined || typeof v === type;
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Checks one decoded value against the client message types. Returns the message (same object,
 * no copy) or a `Violation`.
 */
export function parseClientMessage(value: unknown, maxTopicLength = MAX_TOPIC_LENGTH): ClientMessage | Violation {
  if (!isObject(value)) return new Violation(ErrorCode.InvalidField, "message must be an object");
  const rawId = value.id;
  let id: number | undefined;
  if (rawId !== undefined) {
    if (!isCount(rawId)) return new Violation(ErrorCode.InvalidField, "id must be a non-negative integer");
    id = rawId;
  }
  const bad = (field: string, what: string) => new Violation(ErrorCode.InvalidField, `${field} ${what}`, id);
  const badTopic = () =>
    new Violation(
      ErrorCode.InvalidTopic,
      `topic must be 1-${maxTopicLength} characters of A-Z a-z 0-9 _ - : . @ / = + # ~ ,`,
      id,
    );
  switch (value.t) {
    case "pub":
      if (!isValidTopic(value.topic, maxTopicLength)) return badTopic();
      if (!("data" in value)) return bad("data", "is required");
      if (!optional(value, "key", "string")) return bad("key", "must be a string");
      if (!optional(value, "urgent", "boolean")) return bad("urgent", "must be a boolean");
      return value as unknown as ClientMessage;
    case "evt":
      if (!isValidTopic(value.event, maxTopicLength)) return bad("event", "must be a valid name");
      if (value.ns !== undefined && !isValidTopic(value.ns, maxTopicLength)) return bad("ns", "must be a valid name");
      return value as unknown as ClientMessage;
    case "sub": {
      if (!isValidTopic(value.topic, maxTopicLength)) return badTopic();
      if (value.mode !== undefined && value.mode !== "stream" && value.mode !== "latest")
        return bad("mode", 'must be "stream" or "latest"');
      if (value.maxRate !== undefined && !(typeof value.maxRate === "number" && value.maxRate > 0))
        return bad("maxRate", "must be a positive number");
      if (!optional(value, "snapshot", "boolean")) return bad("snapshot", "must be a boolean");
      if (!optional(value, "presence", "boolean")) return bad("presence", "must be a boolean");
      if (value.last !== undefined && !isCount(value.last)) return bad("last", "must be a non-negative integer");
      const since = value.since;
      if (since !== undefined && !(isObject(since) && typeof since.epoch === "string" && isCount(since.offset)))
        return bad("since", "must be {epoch: string, offset: integer}");
      return value as unknown as ClientMessage;
    }
    case "unsub":
    case "presence":
      if (!isValidTopic(value.topic, maxTopicLength)) return badTopic();
      return value as unknown as ClientMessage;
    case "ping":
    case "pong":
      return value as unknown as ClientMessage;
    case "connect":
      if (!isCount(value.v)) return bad("v", "must be the protocol version (integer)");
      if (!optional(value, "token", "string")) return bad("token", "must be a string");
      if (!optional(value, "session", "string")) return bad("session", "must be a string");
      if (!optional(value, "secret", "string")) return bad("secret", "must be a string");
      return value as unknown as ClientMessage;
    case "refresh":
      if (typeof value.token !== "string") return bad("token", "must be a string");
      return value as unknown as ClientMessage;
    case "ack": {
      // The id names a server request: a refusal carries none (an `ack` back would look like an
      // answer to one of the client's own requests).
      if (id === undefined) return new Violation(ErrorCode.InvalidField, "id is required");
      const error = value.error;
      if (
        error !== undefined &&
        !(isObject(error) && typeof error.code === "number" && typeof error.message === "string")
      )
        return new Violation(ErrorCode.InvalidField, "error must be {code: number, message: string}");
      return value as unknown as ClientMessage;
    }
    default:
      return new Violation(
        ErrorCode.UnknownType,
        typeof value.t === "string"
          ? `unknown message type "${value.t.slice(0, 40)}"`
          : "message type t must be a string",
        id,
      );
  }
}

const SERVER_TYPES = new Set([
  "connected",
  "ack",
  "msg",
  "gap",
  "evt",
  "subscribed",
  "unsubscribed",
  "join",
  "leave",
  "err",
  "disconnect",
  "ping",
  "pong",
]);

/** Light check of a server message on the client: known type, object shape. */
export function parseServerMessage(value: unknown): ServerMessage | undefined {
  if (!isObject(value) || typeof value.t !== "string" || !SERVER_TYPES.has(value.t)) return undefined;
  return value as unknown as ServerMessage;
}
