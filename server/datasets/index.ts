/** The datasets domain's public face: what evals and tuning consume. */

export { buildFromLogs } from "./build";
export { MAX_UPLOAD_BYTES } from "./contract";
export { CSV_HEADER, type DatasetFormat, type DatasetRow, formatRow, parseDataset } from "./parse";
export {
  type AddedVersion,
  addVersion,
  createDataset,
  type Dataset,
  type DatasetVersion,
  diffVersions,
  getDataset,
  getVersion,
  getVersionByNumber,
  listDatasets,
  listVersions,
  previewRows,
  rowPage,
} from "./versions";
