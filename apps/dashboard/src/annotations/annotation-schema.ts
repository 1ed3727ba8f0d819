/**
 * Annotations as the API accepts them (zod, strict): an event at `time` (default now) or over
 * [`time`, `timeEnd`], with text, tags and an optional dashboard (and panel) scope. An `id` makes
 * a POST idempotent: sent again, it changes nothing.
 */
import { z } from "zod";
import { DASHBOARD_ID } from "../dashboards/dashboard-schema.js";
import type { StoredAnnotation } from "../store/annotation-store.js";
import { boundedText } from "../zod-text.js";

/** Limits of one annotation. */
export const annotationLimits = {
  maxTextBytes: 4096,
  maxTags: 10,
  maxTagBytes: 64,
  /** How far ahead of now an annotation may start (planned maintenance), ms. */
  maxAheadMs: 365 * 86_400_000,
} as const;

const id = (what: string) => z.string().regex(DASHBOARD_ID, `must be 1-64 characters of A-Z a-z 0-9 _ - (${what})`);

/**
 * A tag: no quote, backslash, comma or control character (tags are matched in the stored JSON
 * and passed as a comma-free query value), at most 64 bytes.
 */
export const tagSchema = boundedText(annotationLimits.maxTagBytes, 1).refine(
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  (t) => !/["\\,\u0000-\u001f\u007f]/.test(t),
  { message: "must not hold quotes, backslashes, commas or control characters" },
);

/** Schema of a POSTed annotation. */
export const annotationInputSchema = z
  .object({
    id: id("the annotation's id").optional(),
    /** Start, ms since the epoch (default: now). */
    time: z.number().int().min(0).optional(),
    /** End of a range, ms (at or after `time`). */
    timeEnd: z.number().int().min(0).optional(),
    text: boundedText(annotationLimits.maxTextBytes, 1),
    tags: z.array(tagSchema).max(annotationLimits.maxTags).default([]),
    dashboard: id("a dashboard's id").optional(),
    panel: id("a panel's id").optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.panel !== undefined && a.dashboard === undefined)
      ctx.addIssue({ code: "custom", path: ["panel"], message: "needs dashboard" });
    if (a.timeEnd !== undefined && a.time !== undefined && a.timeEnd < a.time)
      ctx.addIssue({ code: "custom", path: ["timeEnd"], message: "must not be before time" });
  });

/** A POSTed annotation, validated. */
export type AnnotationInput = z.infer<typeof annotationInputSchema>;

/** An annotation as the API serves it. */
export type Annotation = StoredAnnotation;

/** The answer of `GET /api/v1/annotations`: ascending by time; `truncated` when the limit cut it. */
export interface AnnotationListAnswer {
  annotations: Annotation[];
  truncated?: true;
}

/** What the `annotations` topic carries (key: the annotation's id). */
export type AnnotationEvent = { kind: "added"; annotation: Annotation } | { kind: "deleted"; id: string };
