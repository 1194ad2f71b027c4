/** The logs domain's public face. */
export { ingestInput, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, ratingPost } from "./contract";
export { ingestBatch } from "./ingest";
export { retentionJob } from "./jobs/retention";
export { type OtlpTraces, otlpToEvents } from "./otel";
export { getLogSettings } from "./settings";
export { addRating } from "./ui-rating";
