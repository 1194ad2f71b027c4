/** Keel's TypeScript SDK: log traces, observations and ratings to `POST /api/v1/ingest`. */
export { createKeelClient, type KeelClient, type KeelClientOptions } from "./client";
export type { ObservationHandle, ObservationInput, ObservationUpdate, RatingInput, TraceHandle, TraceInput } from "./handles";
export { type ObserveOpenAIOptions, observeOpenAI } from "./openai";
export {
  createRunsClient,
  type KeelRun,
  type KeelRuns,
  KeelRunsError,
  type RunInfo,
  type RunStatus,
  type RunsOptions,
  type StartRunInput,
} from "./runs";
export {
  type IngestEvent,
  type IngestResult,
  type KeelErrorKind,
  KeelIngestError,
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  OBSERVATION_TYPES,
  type ObservationBody,
  type ObservationType,
  type RatingBody,
  type Time,
  type TraceBody,
  type Usage,
} from "./types";
export { uuidv7 } from "./uuid";
