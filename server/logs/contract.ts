import { z } from "zod";
import {
  annotationQueueItems,
  annotationQueues,
  OBSERVATION_TYPES,
  observations,
  ratings,
  savedViews,
  scoreConfigs,
  traces,
} from "../../db/schema";
import { rowSchema } from "../core/output-schema";
import { pageInput } from "../core/pagination";
import { scoreSummaryOut } from "./score-summary";
import { traceScoreOut } from "./trace-scores";

/** Client-supplied ids: any printable text up to 200 characters (uuidv7 when the client gives none). */
export const entityId = z
  .string()
  .min(1)
  .max(200)
  // \s covers spaces; \p{Cc} the other control characters
  .regex(/^[^\s\p{Cc}]+$/u, { message: "must be printable, without spaces" });
const when = z.iso
  .datetime({ offset: true, message: "must be an ISO 8601 date-time" })
  .transform((s) => new Date(s))
  // PostgreSQL has no year 0: "0001-01-01T00:00:00+01:00" is year 0 in UTC and would fail the batch
  .refine((d) => d.getUTCFullYear() >= 1, { message: "must be in year 0001 UTC or later" });
const text = (max: number) => z.string().max(max);
const json = z.unknown();
const tokens = z.number().int().min(0).max(100_000_000);
/** A prompt of the project's registry by name and version number (Langfuse's promptName / promptVersion). */
const promptRef = z.object({ name: z.string().min(1).max(200), version: z.number().int().min(1).max(2_147_483_647) });

export const traceBody = z.object({
  timestamp: when.optional(),
  name: text(500).optional(),
  userId: text(200).optional(),
  sessionId: text(200).optional(),
  release: text(200).optional(),
  tags: z.array(text(100)).max(50).optional(),
  metadata: z.record(z.string(), json).optional(),
  input: json.optional(),
  output: json.optional(),
  modelVersionId: z.uuid().optional(),
  /** The prompt version that made the call: its id, or `prompt` by name and version (not both). */
  promptVersionId: z.uuid().optional(),
  prompt: promptRef.optional(),
  routeDecision: z.record(z.string(), json).optional(),
});

export const observationBody = z.object({
  traceId: entityId,
  parentObservationId: entityId.optional(),
  type: z.enum(OBSERVATION_TYPES),
  name: text(500).optional(),
  startTime: when.optional(),
  endTime: when.optional(),
  completionStartTime: when.optional(),
  model: text(200).optional(),
  provider: text(100).optional(),
  modelParameters: z.record(z.string(), json).optional(),
  input: json.optional(),
  output: json.optional(),
  usage: z.object({ input: tokens.optional(), output: tokens.optional() }).optional(),
  /** USD; computed from the project's price table when absent. */
  cost: z.number().min(0).max(1_000_000).optional(),
  status: z.enum(["ok", "error"]).optional(),
  statusMessage: text(5000).optional(),
  metadata: z.record(z.string(), json).optional(),
  /** The prompt version it used (Langfuse names it on the generation): links its trace when the project has it. */
  prompt: promptRef.optional(),
});

export const ratingBody = z.object({
  traceId: entityId,
  observationId: entityId.optional(),
  /** The score config's name; a name without a config is stored as given (type from the value). */
  name: z.string().min(1).max(100).default("user-feedback"),
  value: z.union([z.number().finite(), z.string().max(5000), z.boolean()]),
  comment: text(5000).optional(),
  /** The app's end user (widget ratings). */
  endUserId: text(200).optional(),
});

/** `POST /api/v1/ratings` (the widget): one rating, with an optional id for idempotent retries. */
export const ratingPost = ratingBody.extend({ id: entityId.optional() });

export const ingestEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("trace"), id: entityId.optional(), body: traceBody }),
  z.object({ type: z.literal("observation"), id: entityId.optional(), body: observationBody }),
  z.object({ type: z.literal("rating"), id: entityId.optional(), body: ratingBody }),
]);

export const MAX_BATCH_EVENTS = 1000;
export const MAX_BATCH_BYTES = 5 * 1024 * 1024;
export const ingestInput = z.object({
  batch: z.array(z.unknown()).max(MAX_BATCH_EVENTS, { message: `at most ${MAX_BATCH_EVENTS} events` }),
});

export type TraceBody = z.infer<typeof traceBody>;
export type ObservationBody = z.infer<typeof observationBody>;
export type RatingBody = z.infer<typeof ratingBody>;
export type IngestEvent = z.infer<typeof ingestEvent>;

export interface IngestResult {
  id: string | null;
  /** 201 stored; 400 invalid; 404 unknown trace (ratings) */
  status: number;
  error?: string;
}
export const ingestOutput = z.object({
  results: z.array(z.object({ id: z.string().nullable(), status: z.number(), error: z.string().optional() })),
});

export { scoreConfigInput } from "./inputs";

export { pageInput };

// ---- outputs (issue 15: every procedure declares one; the OpenAPI document is generated from them)

export const traceRowOut = z.object({
  id: z.string(),
  timestamp: z.date(),
  name: z.string().nullable(),
  model: z.string().nullable(),
  userId: z.string().nullable(),
  sessionId: z.string().nullable(),
  release: z.string().nullable(),
  tags: z.array(z.string()),
  inputTokens: z.number(),
  outputTokens: z.number(),
  cost: z.number(),
  latencyMs: z.number().nullable(),
  status: z.enum(["ok", "error"]),
  ratingCount: z.number(),
  ratingMean: z.number().nullable(),
  /** the first 300 characters of the input's and output's JSON */
  inputPreview: z.string().nullable(),
  outputPreview: z.string().nullable(),
  /** per score name, kept apart (the explorer's list; absent from the REST list) */
  scores: z.array(traceScoreOut).optional(),
});
/** A trace in full (input, output, metadata are free-form JSON), its observations, its ratings with their authors and its gateway key. */
export const traceDetailOut = z.object({
  trace: rowSchema(traces).omit({ search: true, searchText: true }),
  observations: z.array(rowSchema(observations)),
  ratings: z.array(
    rowSchema(ratings)
      .pick({
        id: true,
        observationId: true,
        name: true,
        dataType: true,
        value: true,
        stringValue: true,
        comment: true,
        source: true,
        authorUserId: true,
        endUserId: true,
        createdAt: true,
      })
      .extend({ authorEmail: z.string().nullable() }),
  ),
  /** The gateway key that made the call (null: not a gateway call); name and prefix null once the key is deleted. */
  apiKey: z.object({ id: z.string(), name: z.string().nullable(), prefix: z.string().nullable() }).nullable(),
});
export const chartPointOut = z.object({
  bucket: z.date(),
  model: z.string().nullable(),
  traces: z.number(),
  errors: z.number(),
  errorRate: z.number(),
  latencyP50: z.number().nullable(),
  latencyP95: z.number().nullable(),
  cost: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  ratingMean: z.number().nullable(),
});
/** One score name's series (server/logs/score-charts.ts): a mean, a share true, or counts per label. */
export const scoreSeriesOut = z.object({
  name: z.string(),
  dataType: z.enum(["numeric", "boolean", "categorical"]),
  min: z.number().nullable(),
  max: z.number().nullable(),
  categories: z.array(z.string()),
  points: z.array(z.object({ bucket: z.date(), count: z.number(), value: z.number().nullable(), counts: z.array(z.number()) })),
});
export const scoreConfigOut = rowSchema(scoreConfigs);
export const priceOut = z.object({ id: z.string(), match: z.string(), inputPerMillion: z.number(), outputPerMillion: z.number() });
export const queueOut = rowSchema(annotationQueues);
export const queueListOut = queueOut
  .pick({
    id: true,
    name: true,
    description: true,
    scoreConfigIds: true,
    assigneeIds: true,
    requiredRatings: true,
    lockSeconds: true,
    createdAt: true,
  })
  .extend({ total: z.number(), done: z.number() });
export const queueStatsOut = z.object({
  queue: queueOut,
  total: z.number(),
  done: z.number(),
  /** items this reviewer rated (not skipped) */
  mine: z.number(),
  agreement: z.array(
    z.object({
      configId: z.string(),
      name: z.string(),
      items: z.number(),
      raters: z.number(),
      kappa: z.number().nullable(),
      alpha: z.number().nullable(),
    }),
  ),
});
/** Null when the queue has nothing for this reviewer. */
export const nextItemOut = z.object({ itemId: z.string(), traceId: z.string(), lockedUntil: z.date() }).nullable();
export const queueItemOut = rowSchema(annotationQueueItems);
export const savedViewOut = rowSchema(savedViews);
export const idOut = z.object({ id: z.string() });

// ---- sessions and users (server/logs/sessions.ts): groups of traces by session_id / user_id

const groupSummaryOut = z.object({
  key: z.string(),
  traces: z.number(),
  firstAt: z.date(),
  lastAt: z.date(),
  /** USD */
  cost: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  errors: z.number(),
  ratings: z.array(scoreSummaryOut),
});
export const groupPageOut = z.object({ items: z.array(groupSummaryOut), nextCursor: z.string().nullable() });
const ratingBriefOut = rowSchema(ratings).pick({
  id: true,
  name: true,
  dataType: true,
  value: true,
  stringValue: true,
  comment: true,
  source: true,
  createdAt: true,
});
export const sessionOut = z.object({
  session: groupSummaryOut,
  traces: z.object({
    items: z.array(traceRowOut.extend({ input: z.unknown(), output: z.unknown(), ratings: z.array(ratingBriefOut) })),
    nextCursor: z.string().nullable(),
  }),
});
export const endUserOut = z.object({
  user: groupSummaryOut,
  daily: z.array(z.object({ day: z.date(), traces: z.number(), errors: z.number(), cost: z.number(), tokens: z.number() })),
  recent: z.array(traceRowOut),
});
