/** The logs domain's public face. */

export { logsActivity, type Traffic } from "./activity";
export { flushIngest, ingestCoalesced } from "./coalesce";
export { ingestLangfuseBatch, LANGFUSE_EVENT_TYPES } from "./compat/langfuse/ingestion";
export { getLangfuseTrace, listLangfuseTraces, parseTracesQuery } from "./compat/langfuse/public-api";
export { ingestInput, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, ratingPost } from "./contract";
export { exportTraces } from "./export";
export { exportRequest } from "./export-request";
export { ingestBatch } from "./ingest";
export { retentionJob } from "./jobs/retention";
export { rollupStatsJob } from "./jobs/rollup-stats";
export { onKeySpend } from "./key-spend";
export { type OtlpTraces, otlpToEvents } from "./otel";
export { decodeOtlpProtobuf, encodeOtlpResponse } from "./otlp/protobuf";
export { type PromptVersionStats, promptVersionStats, promptVersionStatsInput } from "./prompt-version-stats";
export { type ScoreSummary, scoreSummaryOut } from "./score-summary";
export { getLogSettings } from "./settings";
export { type TraceFilter, traceFilter, traceWhere } from "./traces";
export { addRating } from "./ui-rating";
export { DEMO_VIEWS, queryFilter, seedDemoViews, viewFilter } from "./views";
