/** Keel's TypeScript SDK: log traces, observations and ratings to `POST /api/v1/ingest`. */
export { createKeelClient, type KeelClient, type KeelClientOptions } from "./client.js";
export type { ObservationHandle, ObservationInput, ObservationUpdate, RatingInput, TraceHandle, TraceInput } from "./handles.js";
export { type ObserveOpenAIOptions, observeOpenAI } from "./openai.js";
export { type ChatMessage, KeelPromptVariableError, type PromptVariables } from "./prompt-render.js";
export {
  type ChatPrompt,
  type CreatedPrompt,
  type CreatePromptInput,
  createPromptsClient,
  type GetPromptOptions,
  type KeelPrompt,
  KeelPromptError,
  type KeelPrompts,
  type LabelMove,
  type PromptSummary,
  type PromptsOptions,
  type TextPrompt,
} from "./prompts.js";
export {
  createRunsClient,
  type KeelRun,
  type KeelRuns,
  KeelRunsError,
  type RunInfo,
  type RunStatus,
  type RunsOptions,
  type StartRunInput,
} from "./runs.js";
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
} from "./types.js";
export { uuidv7 } from "./uuid.js";
