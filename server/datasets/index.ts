/** The datasets domain's public face: what evals and tuning consume. */

export { answerText, buildFromLogs, type ChatMessage, chatMessages, openaiChatLine } from "./build";
export { type BuildFromLogsInput, buildFromLogsInput, MAX_UPLOAD_BYTES, ratingCondition } from "./contract";
export { CSV_HEADER, type DatasetFormat, type DatasetRow, formatRow, parseDataset } from "./parse";
export { ParsePool, uploadParser } from "./parse-pool";
export {
  type AddedVersion,
  addVersion,
  createDataset,
  type Dataset,
  type DatasetVersion,
  diffVersions,
  firstRowWithoutReference,
  getDataset,
  getVersion,
  getVersionByNumber,
  listDatasets,
  listVersions,
  previewRows,
  rowPage,
} from "./versions";
