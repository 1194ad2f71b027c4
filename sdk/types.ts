/**
 * The wire types of `POST /api/v1/ingest`, mirrored by hand from server/logs/contract.ts (traceBody,
 * observationBody, ratingBody) so the SDK stays standalone: it imports nothing outside sdk/.
 * Times are ISO 8601 strings with an offset; a `Date` is accepted too (JSON turns it into one).
 */

/** ISO 8601 date-time with offset (e.g. `2026-01-01T00:00:00.000Z`), or a Date. */
export type Time = string | Date;

export const OBSERVATION_TYPES = ["generation", "span", "event"] as const;
export type ObservationType = (typeof OBSERVATION_TYPES)[number];

export interface TraceBody {
  /** When the traced request started; the earliest seen is kept. Defaults to now in the SDK. */
  timestamp?: Time | undefined;
  name?: string | undefined;
  userId?: string | undefined;
  sessionId?: string | undefined;
  release?: string | undefined;
  /** at most 50, each at most 100 characters */
  tags?: string[] | undefined;
  metadata?: Record<string, unknown> | undefined;
  input?: unknown;
  output?: unknown;
  /** a registry model version (uuid) */
  modelVersionId?: string | undefined;
  routeDecision?: Record<string, unknown> | undefined;
}

export interface Usage {
  /** prompt tokens */
  input?: number | undefined;
  /** completion tokens */
  output?: number | undefined;
}

export interface ObservationBody {
  traceId: string;
  parentObservationId?: string | undefined;
  type: ObservationType;
  name?: string | undefined;
  startTime?: Time | undefined;
  endTime?: Time | undefined;
  /** first token (streams): time to first token is derived from it */
  completionStartTime?: Time | undefined;
  model?: string | undefined;
  provider?: string | undefined;
  modelParameters?: Record<string, unknown> | undefined;
  input?: unknown;
  output?: unknown;
  usage?: Usage | undefined;
  /** USD; the server computes it from the project's price table when absent */
  cost?: number | undefined;
  status?: "ok" | "error" | undefined;
  statusMessage?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
}

export interface RatingBody {
  traceId: string;
  observationId?: string | undefined;
  /** the score config's name; the server defaults it to "user-feedback" */
  name?: string | undefined;
  value: number | string | boolean;
  comment?: string | undefined;
  /** the app's end user */
  endUserId?: string | undefined;
}

/** One event of a batch. Ids are any printable text up to 200 characters; re-sending an id upserts. */
export type IngestEvent =
  | { type: "trace"; id?: string | undefined; body: TraceBody }
  | { type: "observation"; id?: string | undefined; body: ObservationBody }
  | { type: "rating"; id?: string | undefined; body: RatingBody };

export interface IngestResult {
  id: string | null;
  /** 201 stored; 400 invalid (error names the JSON path); 404 rating of an unknown trace */
  status: number;
  error?: string | undefined;
}

/** Server limits of one request. */
export const MAX_BATCH_EVENTS = 1000;
export const MAX_BATCH_BYTES = 5 * 1024 * 1024;

/**
 * Why an error was reported:
 * - `event`: the server refused one event of a 207 (400 invalid, 404 unknown trace); not retried
 * - `request`: the server refused a whole request (401, 403, 413, 400...); not retried
 * - `gave-up`: network errors, 5xx or 429 lasted through every retry; the batch is dropped
 * - `invalid`: the SDK could not send an event (not JSON-serializable, or larger than maxBatchBytes)
 * - `closed`: an event arrived after shutdown(); dropped
 * - `internal`: a bug in the SDK or a throwing callback, caught so logging never breaks the app
 */
export type KeelErrorKind = "event" | "request" | "gave-up" | "invalid" | "closed" | "internal";

export class KeelIngestError extends Error {
  override readonly name = "KeelIngestError";
  readonly kind: KeelErrorKind;
  /** HTTP status of the request, or of the event's result for `event` */
  readonly status?: number | undefined;
  /** the server's error code (`UNAUTHORIZED`, ...) for `request` */
  readonly code?: string | undefined;
  /** the refused event's id for `event`, `invalid` and `closed` */
  readonly eventId?: string | null | undefined;
  /** ids of the events in the dropped request for `request` and `gave-up` */
  readonly eventIds?: string[] | undefined;
  /** requests made, for `request` and `gave-up` */
  readonly attempts?: number | undefined;

  constructor(
    kind: KeelErrorKind,
    message: string,
    extra: {
      status?: number | undefined;
      code?: string | undefined;
      eventId?: string | null | undefined;
      eventIds?: string[] | undefined;
      attempts?: number | undefined;
      cause?: unknown;
    } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.kind = kind;
    this.status = extra.status;
    this.code = extra.code;
    this.eventId = extra.eventId;
    this.eventIds = extra.eventIds;
    this.attempts = extra.attempts;
  }
}
