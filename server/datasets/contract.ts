import { z } from "zod";
import { pageInput } from "../core/pagination";
import { traceFilter } from "../logs";

/** Dataset names travel in URL paths: printable, no slashes. */
export const datasetName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^/\s\p{Cc}][^/\p{Cc}]*$/u, { message: "must be printable, without slashes or leading spaces" });

export const createDatasetInput = z.object({ name: datasetName, description: z.string().max(2000).optional() });

export const ratingCondition = z
  .object({ name: z.string().min(1).max(100), min: z.number().finite().optional(), max: z.number().finite().optional() })
  .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, { message: "min must not exceed max", path: ["max"] });

/** Most rows one build from logs takes (newest traces first). */
export const MAX_BUILD_ROWS = 50_000;

export const buildFromLogsInput = z.object({
  name: datasetName,
  filter: traceFilter.default({}),
  /** keep traces with at least one rating of this name within [min, max] */
  rating: ratingCondition.optional(),
  limit: z.number().int().min(1).max(MAX_BUILD_ROWS).default(10_000),
});

export const rowPageInput = z.object({
  cursor: z.string().max(20).optional(),
  limit: z.number().int().min(1).max(1000).default(50),
});

/** Upload limit of the raw-body HTTP route (413 above it). */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

export { pageInput };
export type CreateDatasetInput = z.infer<typeof createDatasetInput>;
export type BuildFromLogsInput = z.infer<typeof buildFromLogsInput>;
export type RatingCondition = z.infer<typeof ratingCondition>;
