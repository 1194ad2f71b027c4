import { z } from "zod";

/*
 * Datasets inputs as plain zod, importing nothing but zod: the console's forms validate with these
 * same schemas (scripts/check-boundaries.ts lets app/ import `server/<slug>/inputs.ts` files only).
 */

/** Dataset names travel in URL paths: printable, no slashes. */
export const datasetName = z
  .string()
  .trim()
  .min(1, "enter a dataset name")
  .max(200)
  .regex(/^[^/\s\p{Cc}][^/\p{Cc}]*$/u, { message: "must be printable, without slashes or leading spaces" });

export const createDatasetInput = z.object({ name: datasetName, description: z.string().max(2000).optional() });

export const ratingCondition = z
  .object({
    name: z.string().min(1, "enter the rating name the minimum applies to").max(100),
    min: z.number({ message: "the minimum rating is a number" }).finite().optional(),
    max: z.number({ message: "the maximum rating is a number" }).finite().optional(),
  })
  .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, { message: "min must not exceed max", path: ["max"] });

/** Most rows one build from logs takes (newest traces first). */
export const MAX_BUILD_ROWS = 50_000;

/** A build from logs but its trace filter (server/datasets/contract.ts adds the logs domain's traceFilter). */
export const buildFromLogsFields = z.object({
  name: datasetName,
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
  heldOut: z
    .number({ message: "the held-out share is a number from 0 to 0.9 (blank: no split)" })
    .min(0, "the held-out share is a number from 0 to 0.9 (blank: no split)")
    .max(0.9, "the held-out share is a number from 0 to 0.9 (blank: no split)")
    .optional(),
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

/** The upload route's formats, by the file's extension (the console sends it as ?format=). */
export function datasetFormatOf(filename: string): "jsonl" | "csv" | null {
  const lower = filename.toLowerCase();
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) return "jsonl";
  if (lower.endsWith(".csv")) return "csv";
  return null;
}

/** What can be checked of an upload's file before sending it: a known extension and the route's size limit. */
export const uploadFileInput = z.object({
  name: z.string().refine((n) => datasetFormatOf(n) !== null, "the file name must end in .jsonl, .ndjson or .csv"),
  size: z.number().max(MAX_UPLOAD_BYTES, "the file is over 50 MB, the upload limit"),
});
