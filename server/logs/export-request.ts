import { z } from "zod";
import { traceFilter } from "./traces";

/** The most ids one POSTed export takes: a selection the explorer loaded, far past what a URL holds. */
export const MAX_EXPORT_IDS = 10_000;

/**
 * `POST .../traces/export`'s body: the format and the explorer's filter, dates as ISO strings. The ids
 * of a selection go here, not in a URL (a browser's URL holds about 200 of them).
 */
export const exportRequest = z.object({
  format: z.enum(["jsonl", "csv"]).default("jsonl"),
  filter: traceFilter
    .extend({
      from: z.coerce.date().optional(),
      to: z.coerce.date().optional(),
      ids: z.array(z.string().min(1).max(200)).min(1).max(MAX_EXPORT_IDS).optional(),
    })
    .default({}),
});
