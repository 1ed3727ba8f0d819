/** The zod schema of a series id, for every API body that names series. */
import { z } from "zod";
import { parseSeriesId } from "./series-id.js";

/** A series id as `parseSeriesId` reads it (name, then tags sorted by key; limits in bytes). */
export const seriesIdSchema = z.string().refine((s) => parseSeriesId(s) !== undefined, {
  message: "must be a series id like name,tag=value (tags sorted, A-Z a-z 0-9 _ . - : / @)",
});
