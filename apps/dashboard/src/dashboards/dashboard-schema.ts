/**
 * Dashboard definitions as the API accepts them (zod). Objects are strict: an unknown field is
 * an error that names it, so a typo never silently loses a setting.
 */
import { z } from "zod";
import { parseSeriesId } from "../series/series-id.js";

/** Limits on one dashboard. */
export const dashboardLimits = {
  maxPanels: 50,
  maxSeriesPerPanel: 20,
  maxThresholds: 10,
  maxTitleLength: 200,
} as const;

/** Dashboard and panel ids: URL- and topic-safe. */
export const DASHBOARD_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Panel kinds the UI draws. */
export const panelKinds = ["timeseries", "stat", "gauge", "table", "online"] as const;

const seriesId = z.string().refine((s) => parseSeriesId(s) !== undefined, {
  message: "must be a series id like name,tag=value (tags sorted, A-Z a-z 0-9 _ . - : / @)",
});

/** Schema of a colour step: values at or above `value` take `color`. */
export const thresholdSchema = z.object({ value: z.number(), color: z.string().min(1).max(32) }).strict();

/** Schema of one panel. */
export const panelSchema = z
  .object({
    id: z.string().regex(DASHBOARD_ID, "must be 1-64 characters of A-Z a-z 0-9 _ -"),
    kind: z.enum(panelKinds),
    title: z.string().max(dashboardLimits.maxTitleLength),
    series: z.array(seriesId).max(dashboardLimits.maxSeriesPerPanel),
    windowSec: z
      .number()
      .int()
      .min(10)
      .max(7 * 86_400)
      .optional(),
    maxRate: z.number().positive().max(60).optional(),
    thresholds: z.array(thresholdSchema).max(dashboardLimits.maxThresholds).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    unit: z.string().max(16).optional(),
  })
  .strict();

/** Schema of a dashboard (panel ids unique within it). */
export const dashboardSchema = z
  .object({
    id: z.string().regex(DASHBOARD_ID, "must be 1-64 characters of A-Z a-z 0-9 _ - (starting with a letter or digit)"),
    title: z.string().min(1).max(dashboardLimits.maxTitleLength),
    panels: z.array(panelSchema).max(dashboardLimits.maxPanels),
  })
  .strict()
  .superRefine((d, ctx) => {
    const seen = new Set<string>();
    d.panels.forEach((p, i) => {
      if (seen.has(p.id))
        ctx.addIssue({ code: "custom", path: ["panels", i, "id"], message: `duplicate panel id ${p.id}` });
      seen.add(p.id);
    });
  });

/** A validated dashboard. */
export type Dashboard = z.infer<typeof dashboardSchema>;
/** A validated panel. */
export type Panel = z.infer<typeof panelSchema>;
/** A validated colour step. */
export type Threshold = z.infer<typeof thresholdSchema>;
