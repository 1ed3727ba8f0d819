/**
 * Request bodies of the server HTTP API, one zod schema per method: the one source of their
 * shape (docs/server-api.md documents them; the Python client sends them). Objects are strict,
 * so a misspelt field (`channel` for `topic`) is refused by name instead of ignored. Every string
 * is bounded in bytes before it reaches a byte-limited place (a Redis key, a close frame).
 */
import { isValidTopic, MAX_CLOSE_REASON_BYTES, MAX_TOPIC_LENGTH } from "@dashwire/protocol";
import { z } from "zod";

/** Longest publication key, user id, client id or idempotency key, in bytes. */
export const MAX_ID_BYTES = 256;

/** A string of 1..`max` bytes of UTF-8. */
const bytes = (max: number) =>
  z
    .string()
    .min(1)
    .refine((s) => s.length <= max && Buffer.byteLength(s) <= max, `must be at most ${max} bytes`);

const topic = z
  .string()
  .refine((s) => isValidTopic(s), `must be 1-${MAX_TOPIC_LENGTH} characters of A-Z a-z 0-9 _ - : . @ / = + # ~ ,`);

const data = z.unknown().refine((v) => v !== undefined, "is required (any JSON value)");

const count = (max: number) => z.number().int().min(0).max(max);

/** `POST {path}/publish`. */
export const publishRequest = z.strictObject({
  topic,
  data,
  key: bytes(MAX_ID_BYTES).optional(),
  urgent: z.boolean().optional(),
  idempotencyKey: bytes(MAX_ID_BYTES).optional(),
});

/** `POST {path}/broadcast`: one payload to several topics. */
export const broadcastRequest = (maxTopics: number) =>
  z.strictObject({
    topics: z
      .array(topic)
      .min(1)
      .max(maxTopics)
      .refine((list) => new Set(list).size === list.length, "must not repeat a topic"),
    data,
    key: bytes(MAX_ID_BYTES).optional(),
    urgent: z.boolean().optional(),
    idempotencyKey: bytes(MAX_ID_BYTES).optional(),
  });

/** `POST {path}/presence`. */
export const presenceRequest = z.strictObject({
  topic,
  limit: count(100_000).optional(),
});

/** `POST {path}/history`. */
export const historyRequest = (maxLimit: number) =>
  z.strictObject({
    topic,
    since: z.strictObject({ epoch: bytes(MAX_ID_BYTES), offset: z.number().int().min(0) }).optional(),
    limit: count(maxLimit).optional(),
  });

/** `POST {path}/disconnect`. */
export const disconnectRequest = z.strictObject({
  user: bytes(MAX_ID_BYTES),
  client: bytes(MAX_ID_BYTES).optional(),
  reconnect: z.boolean().optional(),
  reason: bytes(MAX_CLOSE_REASON_BYTES).optional(),
});

/** `POST {path}/topics`. */
export const topicsRequest = z.strictObject({
  prefix: z.string().max(MAX_TOPIC_LENGTH).optional(),
  limit: count(100_000).optional(),
});

/** A publish request, as validated. */
export type PublishRequest = z.infer<typeof publishRequest>;
/** A broadcast request, as validated. */
export type BroadcastRequest = z.infer<ReturnType<typeof broadcastRequest>>;

/** One readable line from a zod error: the field at fault and what is wrong with it. */
export function issueMessage(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return "invalid request";
  const field = issue.path.map(String).join(".");
  const text = issue.message.replace(/^Invalid input: /, "");
  return field === "" ? text : `${field}: ${text}`;
}
