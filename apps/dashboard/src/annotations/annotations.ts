/**
 * Annotations over the store: validation, ids (given by the client for an idempotent POST, or
 * made up), the time bounds, and the `annotations` topic every change is published on (urgent,
 * so an open dashboard draws a new marker at once).
 */
import { randomBytes } from "node:crypto";
import type { DashwireServer } from "@dashwire/server";
import { ApiError, ApiErrorCode } from "../errors.js";
import type { AnnotationAdd, AnnotationQuery, StoredAnnotation } from "../store/annotation-store.js";
import type { Store } from "../store/store.js";
import { zodIssues, zodMessage } from "../zod-message.js";
import {
  type AnnotationEvent,
  type AnnotationInput,
  annotationInputSchema,
  annotationLimits,
} from "./annotation-schema.js";

/** The topic annotation changes are published on (key: the annotation's id). */
export const ANNOTATIONS_TOPIC = "annotations";

/** Options of `Annotations`. */
export interface AnnotationsOptions {
  /** Most annotations kept. */
  maxAnnotations: number;
  /** How long they are kept after they end (the longest resolution's retention), ms. */
  retentionMs: number;
}

/** Annotations CRUD; see the file comment. */
export class Annotations {
  constructor(
    private readonly store: Store,
    private readonly options: AnnotationsOptions,
    private readonly publish: (event: AnnotationEvent) => void,
    private readonly now: () => number,
  ) {}

  /**
   * Stores a POSTed annotation. With an `id` already stored: the stored one when the request
   * says the same (a retry: `created` false), 409 when it says something else.
   */
  async add(body: unknown): Promise<AnnotationAdd> {
    const parsed = annotationInputSchema.safeParse(body);
    if (!parsed.success)
      throw new ApiError(400, ApiErrorCode.InvalidField, zodMessage(parsed.error), zodIssues(parsed.error));
    const input = parsed.data;
    const now = this.now();
    const time = input.time ?? Math.min(now, input.timeEnd ?? now);
    const timeEnd = input.timeEnd ?? time;
    if (timeEnd < time) throw new ApiError(400, ApiErrorCode.InvalidField, "timeEnd: must not be before time");
    if (timeEnd < now - this.options.retentionMs)
      throw new ApiError(
        400,
        ApiErrorCode.InvalidField,
        `time: ended before the retention (${Math.round(this.options.retentionMs / 86_400_000)} days): it would be pruned at once`,
      );
    if (time > now + annotationLimits.maxAheadMs)
      throw new ApiError(400, ApiErrorCode.InvalidField, "time: more than a year ahead");
    // Fields in the order the API shows them (the stored ones are read back in this order too).
    const a: StoredAnnotation = {
      id: input.id ?? `a${randomBytes(9).toString("base64url")}`,
      time,
      timeEnd,
      text: input.text,
      tags: input.tags,
      ...(input.dashboard === undefined ? {} : { dashboard: input.dashboard }),
      ...(input.panel === undefined ? {} : { panel: input.panel }),
      createdAt: now,
    };
    const result = await this.store.annotations.add(a, this.options.maxAnnotations);
    if (!result.created) {
      if (!sameRequest(input, result.annotation))
        throw new ApiError(409, ApiErrorCode.Conflict, `annotation ${a.id} already exists with other content`);
      return result;
    }
    this.publish({ kind: "added", annotation: result.annotation });
    return result;
  }

  /** Annotations overlapping the query's range. */
  query(q: AnnotationQuery): Promise<StoredAnnotation[]> {
    return this.store.annotations.query(q);
  }

  /** Deletes one; 404 when there is none. */
  async delete(id: string): Promise<void> {
    if (!(await this.store.annotations.delete(id)))
      throw new ApiError(404, ApiErrorCode.NotFound, `no annotation ${id}`);
    this.publish({ kind: "deleted", id });
  }
}

/** Whether a repeated POST says what is stored (times only when the request gave them). */
function sameRequest(input: AnnotationInput, stored: StoredAnnotation): boolean {
  return (
    (input.time === undefined || input.time === stored.time) &&
    (input.timeEnd === undefined || input.timeEnd === stored.timeEnd) &&
    input.text === stored.text &&
    input.tags.join(",") === stored.tags.join(",") &&
    input.dashboard === stored.dashboard &&
    input.panel === stored.panel
  );
}

/** The annotations of an app: stored in `store`, changes published on `server`'s annotations topic. */
export function createAnnotations(
  server: DashwireServer,
  store: Store,
  maxAnnotations: number,
  warn: (message: string, err?: unknown) => void,
): Annotations {
  const retentionMs = store.resolutions.at(-1)?.retentionMs ?? 0;
  const publish = (event: AnnotationEvent) => {
    const key = event.kind === "added" ? event.annotation.id : event.id;
    server
      .publish(ANNOTATIONS_TOPIC, event, { key, urgent: true })
      .catch((err: unknown) => warn(`publishing annotation ${key} failed`, err));
  };
  return new Annotations(store, { maxAnnotations, retentionMs }, publish, Date.now);
}
