import { type HandleContext, type TraceHandle, type TraceInput, traceHandle } from "./handles.js";
import { createPromptsClient, type KeelPrompts, type PromptsOptions } from "./prompts.js";
import { createRunsClient, type KeelRuns, type RunsOptions } from "./runs.js";
import { ENVELOPE_BYTES, type Serialized, sendBatch, unrefTimer, utf8Length } from "./transport.js";
import { type IngestEvent, KeelIngestError, MAX_BATCH_EVENTS } from "./types.js";
import { uuidv7 } from "./uuid.js";

export interface KeelClientOptions {
  /** Keel's origin, e.g. `http://localhost:3000` (the SDK posts to `<baseUrl>/api/v1/ingest`) */
  baseUrl: string;
  /** a project's secret key, `sk_...` (engineer role or higher) */
  apiKey: string;
  /** events per request; a buffer this full is flushed at once (default 100, at most 1000) */
  flushAt?: number | undefined;
  /** buffered events are sent at least this often, ms (default 1000; the timer never keeps a process alive) */
  flushIntervalMs?: number | undefined;
  /** retries of a request after a network error, 5xx or 429 (default 5) */
  maxRetries?: number | undefined;
  /** largest request body, bytes (default 4.5 MiB, under the server's 5 MiB); larger batches are split */
  maxBatchBytes?: number | undefined;
  /** per attempt, ms (default 30 s) */
  requestTimeoutMs?: number | undefined;
  /** buffered events beyond this are dropped (reported) while Keel is unreachable (default 100,000) */
  maxQueuedEvents?: number | undefined;
  fetch?: typeof globalThis.fetch | undefined;
  /** every refusal, give-up and dropped event; default: console.warn */
  onError?: ((err: KeelIngestError) => void) | undefined;
  /** set on every trace the client creates (e.g. your app's version) */
  release?: string | undefined;
  /** false: every call is a no-op (handles still work, nothing is sent) */
  enabled?: boolean | undefined;
  /** experiment tracking (`keel.runs`): metric batch size, flush period and its error callback */
  runs?: Pick<RunsOptions, "flushAt" | "flushIntervalMs" | "onError"> | undefined;
  /** prompt fetching (`keel.prompts`): the cache's freshness window, seconds (default 60), and the hook told when a stale prompt is served */
  prompts?: Pick<PromptsOptions, "cacheTtlSeconds" | "onError"> | undefined;
}

export interface KeelClient {
  /** Start a trace (sent with the next flush); returns a handle for its observations and ratings. */
  trace(body?: TraceInput): TraceHandle;
  /** Buffer one raw event; returns its id (a uuidv7 when it has none, so retries never double it). */
  enqueue(event: IngestEvent): string;
  /** Send everything buffered now; resolves when sent or given up (errors go to onError), never rejects. */
  flush(): Promise<void>;
  /** Flush, stop the timer, and drop (reporting) any later event. */
  shutdown(): Promise<void>;
  /** Events buffered and not yet handed to a request. */
  readonly pending: number;
  /** Experiment tracking: `await keel.runs.start({ experiment, params })`, then `run.log({ loss }, { step })`, `await run.end()`. */
  readonly runs: KeelRuns;
  /** Prompts: `const p = await keel.prompts.get("support", { label: "production" })`, then `p.compile({ question })`. */
  readonly prompts: KeelPrompts;
}

const MiB = 1024 * 1024;

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`createKeelClient: ${name} must be a non-negative number`);
  return value;
}

function defaultOnError(err: KeelIngestError): void {
  console.warn(`[keel] ${err.message}`);
}

/**
 * A buffering, batching, retrying client for `POST /api/v1/ingest`.
 *
 * Invariants: events leave in enqueue order, one request at a time (a flush waits for the one
 * before it), and each buffered event is taken by exactly one request, so concurrent flush()
 * calls never send an event twice. Nothing here throws into the app after construction.
 */
export function createKeelClient(options: KeelClientOptions): KeelClient {
  if (!options || typeof options.baseUrl !== "string" || typeof options.apiKey !== "string")
    throw new TypeError("createKeelClient: baseUrl and apiKey are required");
  const enabled = options.enabled ?? true;
  const flushAt = Math.max(1, Math.min(MAX_BATCH_EVENTS, Math.floor(positive(options.flushAt, 100, "flushAt"))));
  const flushIntervalMs = positive(options.flushIntervalMs, 1000, "flushIntervalMs");
  const maxBatchBytes = positive(options.maxBatchBytes, 4.5 * MiB, "maxBatchBytes");
  const maxQueuedEvents = positive(options.maxQueuedEvents, 100_000, "maxQueuedEvents");
  const onError = options.onError ?? defaultOnError;
  const report = (err: KeelIngestError) => {
    try {
      onError(err);
    } catch {
      // a throwing onError must not break the app or the queue
    }
  };
  const transport = {
    url: `${options.baseUrl.replace(/\/+$/, "")}/api/v1/ingest`,
    apiKey: options.apiKey,
    maxRetries: Math.floor(positive(options.maxRetries, 5, "maxRetries")),
    fetch: options.fetch ?? ((...args: Parameters<typeof fetch>) => globalThis.fetch(...args)),
    requestTimeoutMs: positive(options.requestTimeoutMs, 30_000, "requestTimeoutMs"),
    report,
  };

  const queue: Serialized[] = [];
  let closed = false;
  /** the last flush in line; flushes run one after another */
  let chain: Promise<void> = Promise.resolve();
  /** a flush in line that has not started yet: later flush() calls join it */
  let waiting: Promise<void> | null = null;
  let shuttingDown: Promise<void> | null = null;

  function enqueue(event: IngestEvent): string {
    let id = "";
    try {
      id = event.id ?? uuidv7();
      if (!enabled) return id;
      if (closed) {
        report(new KeelIngestError("closed", `Event ${id} arrived after shutdown(); dropped`, { eventId: id }));
        return id;
      }
      const json = JSON.stringify({ ...event, id });
      const bytes = utf8Length(json);
      if (bytes + ENVELOPE_BYTES > maxBatchBytes) {
        report(
          new KeelIngestError("invalid", `Event ${id} is ${bytes} bytes, over maxBatchBytes (${maxBatchBytes}); dropped`, { eventId: id }),
        );
        return id;
      }
      if (queue.length >= maxQueuedEvents) {
        report(new KeelIngestError("invalid", `Event ${id} dropped: ${queue.length} events are already buffered`, { eventId: id }));
        return id;
      }
      queue.push({ id, json, bytes });
      if (queue.length >= flushAt) void flush();
    } catch (err) {
      report(
        new KeelIngestError("invalid", `Event ${id} could not be serialized: ${(err as Error)?.message}`, { eventId: id, cause: err }),
      );
    }
    return id;
  }

  /** Take the next request's events: at most flushAt of them, within maxBatchBytes (at least one). */
  function take(max: number): Serialized[] {
    let n = 0;
    let size = ENVELOPE_BYTES;
    const limit = Math.min(max, flushAt);
    while (n < limit) {
      const item = queue[n] as Serialized;
      const add = item.bytes + (n > 0 ? 1 : 0); // the comma between events
      if (n > 0 && size + add > maxBatchBytes) break;
      size += add;
      n++;
    }
    return queue.splice(0, n);
  }

  /** Send the events buffered when this flush starts; later ones wait for the next flush. */
  async function drain(): Promise<void> {
    let left = queue.length;
    while (left > 0 && queue.length > 0) {
      const batch = take(left);
      left -= batch.length;
      await sendBatch(batch, transport);
    }
  }

  function flush(): Promise<void> {
    if (!enabled) return Promise.resolve();
    if (waiting) return waiting;
    const run = chain
      .then(() => {
        waiting = null;
        return drain();
      })
      .catch((err: unknown) => report(new KeelIngestError("internal", `flush failed: ${(err as Error)?.message}`, { cause: err })));
    waiting = run;
    chain = run;
    return run;
  }

  const timer = enabled && flushIntervalMs > 0 ? setInterval(() => queue.length > 0 && void flush(), flushIntervalMs) : null;
  // Logging must never keep a process alive: an idle client lets Node exit.
  unrefTimer(timer);

  function shutdown(): Promise<void> {
    if (!shuttingDown) {
      if (timer) clearInterval(timer);
      shuttingDown = flush();
      closed = true;
    }
    return shuttingDown;
  }

  const ctx: HandleContext = {
    enqueue,
    fail: (err) => report(new KeelIngestError("internal", `Keel SDK error: ${(err as Error)?.message}`, { cause: err })),
    release: options.release,
  };

  const runs = createRunsClient({
    ...options.runs,
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    fetch: transport.fetch,
    maxRetries: transport.maxRetries,
    requestTimeoutMs: transport.requestTimeoutMs,
  });

  const prompts = createPromptsClient({
    ...options.prompts,
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    fetch: transport.fetch,
    requestTimeoutMs: transport.requestTimeoutMs,
  });

  return {
    runs,
    prompts,
    trace: (body) => traceHandle(ctx, body),
    enqueue,
    flush,
    shutdown,
    get pending() {
      return queue.length;
    },
  };
}
