/**
 * JSON ingest bodies: one point `{ name, value, tags?, ts? }`, an array of points, or
 * `{ points: [...] }`. Each point is validated on its own (zod), so one bad point does not
 * spoil the batch; errors name the field (`value: expected number, received string`).
 * Tags are copied from the parsed body into a null-prototype object, so a tag named
 * `__proto__` is kept like any other (zod's record output would drop it).
 */
import { z } from "zod";
import { ApiError, ApiErrorCode } from "../errors.js";
import { checkSeries, makeTags } from "../series/series-id.js";
import { zodMessage } from "../zod-message.js";
import { type ParseResult, refuse, rejectionMessage } from "./point.js";

/** Schema of one JSON point. */
export const jsonPointSchema = z
  .object({
    name: z.string(),
    value: z.union([z.number(), z.boolean()], { error: "expected a finite number (or a boolean)" }),
    tags: z.record(z.string(), z.string()).optional(),
    ts: z.number().optional(),
  })
  .strict();

/** A JSON point as sent by clients. */
export type JsonPoint = z.infer<typeof jsonPointSchema>;

/** Turns a parsed JSON body into points; throws `ApiError` (400) when the body's shape is wrong. */
export function parseJsonPoints(body: unknown): ParseResult {
  let items: unknown[];
  if (Array.isArray(body)) items = body;
  else if (typeof body === "object" && body !== null && "points" in body) {
    const pts = (body as { points: unknown }).points;
    if (!Array.isArray(pts)) throw new ApiError(400, ApiErrorCode.InvalidField, "points: expected an array");
    items = pts;
  } else if (typeof body === "object" && body !== null) items = [body];
  else
    throw new ApiError(400, ApiErrorCode.InvalidField, "body: expected a point, an array of points or {points: [...]}");

  const result: ParseResult = { points: [], rejected: [], ignored: 0 };
  for (let i = 0; i < items.length; i++) {
    const parsed = jsonPointSchema.safeParse(items[i]);
    if (!parsed.success) {
      refuse(result, {
        index: i,
        error: rejectionMessage(zodMessage(parsed.error)),
        code: ApiErrorCode.InvalidField,
      });
      continue;
    }
    const p = parsed.data;
    const value = typeof p.value === "boolean" ? (p.value ? 1 : 0) : p.value;
    // The validated shape, but the tags as sent (own keys of the parsed JSON).
    const rawTags = (items[i] as { tags?: Record<string, string> }).tags;
    const tags = rawTags === undefined ? undefined : makeTags(Object.entries(rawTags));
    const why = checkSeries(p.name, tags);
    if (why !== undefined) {
      refuse(result, { index: i, error: rejectionMessage(why), code: ApiErrorCode.InvalidField });
      continue;
    }
    result.points.push({
      name: p.name,
      tags,
      value,
      ts: p.ts === undefined ? undefined : Math.floor(p.ts),
      origin: i,
    });
  }
  return result;
}
