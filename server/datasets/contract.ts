import { z } from "zod";
import { datasets, datasetVersions } from "../../db/schema";
import { pageOf, rowSchema } from "../core/output-schema";
import { pageInput } from "../core/pagination";
import { traceFilter } from "../logs";
import { buildFromLogsFields, type createDatasetInput, type ratingCondition } from "./inputs";

export {
  type AddTracesInput,
  addTracesInput,
  createDatasetInput,
  datasetFormatOf,
  datasetName,
  MAX_BUILD_ROWS,
  MAX_UPLOAD_BYTES,
  ratingCondition,
  rowPageInput,
  uploadFileInput,
} from "./inputs";

export const buildFromLogsInput = buildFromLogsFields.extend({ filter: traceFilter.default({}) });

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
