import { z } from "zod";
import { datasets, datasetVersions } from "../../db/schema";
import { pageOf, rowSchema } from "../core/output-schema";
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
  /**
   * `traces`: input as logged, output as text. `chat` (SFT): input as chat messages ({role, content}
   * with text content), the assistant's answer as the reference; traces that are not chats are skipped.
   */
  format: z.enum(["traces", "chat"]).default("traces"),
  /** drop rows whose input and reference equal a newer row's */
  dedupe: z.boolean().default(false),
  /** this share of rows goes to metadata.split "test" (by a hash of the row, so a row keeps its split across builds), the rest to "train" */
  heldOut: z.number().min(0).max(0.9).optional(),
  /** where the build came from, kept in the version's source (e.g. the saved view's name) */
  view: z.string().max(80).optional(),
});

/** The explorer's "Add to dataset": picked traces into dataset `name` (created when missing). */
export const addTracesInput = z.object({
  name: datasetName,
  traceIds: z
    .array(z.string().min(1).max(200))
    .min(1, { message: "select at least one trace" })
    .max(1000, { message: "at most 1,000 traces at a time" }),
});
export type AddTracesInput = z.infer<typeof addTracesInput>;

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

// ---- outputs (issue 15: every procedure declares one; the OpenAPI document is generated from them)

export const datasetOut = rowSchema(datasets);
export const datasetVersionOut = rowSchema(datasetVersions);
const skipped = z.object({ notChat: z.number(), duplicates: z.number() });
/** `created` false: the content equalled the latest version's, which is returned instead. */
export const builtVersionOut = datasetVersionOut.extend({ created: z.boolean(), skipped });
/** `added`: the picked traces that were not in the dataset's latest version already. */
export const addedTracesOut = datasetVersionOut.extend({ created: z.boolean(), added: z.number() });
export const previewRowOut = z.object({
  idx: z.number(),
  /** free-form: a string, a chat, any JSON */
  input: z.unknown(),
  references: z.array(z.string()),
  prediction: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
});
const versionBrief = z.object({ id: z.string(), version: z.number(), rowCount: z.number() });
export const versionDiffOut = z.object({
  from: versionBrief,
  to: versionBrief,
  added: z.number(),
  removed: z.number(),
  unchanged: z.number(),
  sample: z.object({ added: z.array(previewRowOut), removed: z.array(previewRowOut) }),
});
export { pageOf };
