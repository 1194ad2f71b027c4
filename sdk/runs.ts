import { backoffMs, refusalOf, reporter, retryAfterMs, unrefTimer } from "./transport.js";

/**
 * Experiment tracking from TypeScript: `keel.runs.start(...)` opens a run (`POST /api/v1/runs`),
 * `run.log({ loss }, { step })` buffers metric points that leave in batches (a full buffer or the
 * timer), `await run.end()` flushes and marks the run FINISHED.
 *
 * Awaited calls (start, logParams, setTags, flush, end, logArtifact) reject with a KeelRunsError
 * when Keel refuses or stays unreachable; `log()` never throws into a training loop: a non-finite
 * value or a batch refused by a background flush goes to `onError`.
 */

export type RunStatus = "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";

export interface RunsOptions {
  baseUrl: string;
  apiKey: string;
  /** metric points per request (default 1000, the server's most) */
  flushAt?: number | undefined;
  /** buffered points are sent at least this often, ms (default 1000; the timer never keeps a process alive) */
  flushIntervalMs?: number | undefined;
  /** retries after a network error, 5xx or 429 (default 5) */
  maxRetries?: number | undefined;
  /** per attempt, ms (default 30 s) */
  requestTimeoutMs?: number | undefined;
  fetch?: typeof globalThis.fetch | undefined;
  /** errors of background flushes and dropped points; default console.warn */
  onError?: ((err: KeelRunsError) => void) | undefined;
}

export class KeelRunsError extends Error {
  override readonly name = "KeelRunsError";
  constructor(
    message: string,
    /** HTTP status, when Keel answered */
    readonly status?: number,
    /** Keel's error code (`BAD_REQUEST`, `NOT_FOUND`, ...) */
    readonly code?: string,
    /** the input field Keel named */
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface RunInfo {
  id: string;
  experimentId: string;
  name: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  params: Record<string, string>;
  tags: Record<string, string>;
}

export interface StartRunInput {
  /** experiment name, created when missing (or give experimentId) */
  experiment?: string | undefined;
  experimentId?: string | undefined;
  /** default: a random name such as `swift-otter-417` */
  name?: string | undefined;
  params?: Record<string, string | number | boolean> | undefined;
  tags?: Record<string, string> | undefined;
}

export interface KeelRun {
  readonly id: string;
  readonly experimentId: string;
  readonly name: string;
  /** Buffer metric points; `step` defaults to 0, `timestamp` to now. Never throws. */
  log(metrics: Record<string, number>, opts?: { step?: number | undefined; timestamp?: number | undefined }): void;
  /** Log params now (immutable: a different value for a logged key rejects). */
  logParams(params: Record<string, string | number | boolean>): Promise<void>;
  setTags(tags: Record<string, string>): Promise<void>;
  /** Upload a file to the run's artifacts at `path` (e.g. `plots/loss.png`). */
  logArtifact(path: string, data: Uint8Array | string | Blob): Promise<{ path: string; size: number; sha256: string }>;
  /** Send every buffered point; rejects if Keel refused them or stayed unreachable. */
  flush(): Promise<void>;
  /** Flush, then set the status (default FINISHED) and the end time; later log() calls are dropped. */
  end(opts?: { status?: Exclude<RunStatus, "RUNNING" | "SCHEDULED"> | undefined }): Promise<RunInfo>;
  /** Points buffered and not yet sent. */
  readonly pending: number;
}

export interface KeelRuns {
  start(input: StartRunInput): Promise<KeelRun>;
  /** A handle for an existing run (e.g. resumed in another process). */
  resume(runId: string): Promise<KeelRun>;
}

interface Point {
  key: string;
  value: number;
  step: number;
  timestamp: number;
}

const MAX_BATCH = 1000;

async function errorOf(res: Response): Promise<KeelRunsError> {
  const r = await refusalOf(res);
  return new KeelRunsError(r.message, res.status, r.code, r.field);
}

export function createRunsClient(options: RunsOptions): KeelRuns {
  const base = `${options.baseUrl.replace(/\/+$/, "")}/api/v1`;
  const flushAt = Math.max(1, Math.min(MAX_BATCH, Math.floor(options.flushAt ?? MAX_BATCH)));
  const flushIntervalMs = options.flushIntervalMs ?? 1000;
  const maxRetries = options.maxRetries ?? 5;
  const timeout = options.requestTimeoutMs ?? 30_000;
  const doFetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => globalThis.fetch(...args));
  const report = reporter(options.onError);

  /** One request, retried after network errors, 5xx and 429; resolves with the parsed JSON body. */
  async function request<T>(method: string, path: string, body?: unknown, raw?: { body: BodyInit; type: string }): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let failure: KeelRunsError;
      let wait: number | null = null;
      try {
        const res = await doFetch(`${base}${path}`, {
          method,
          headers: { authorization: `Bearer ${options.apiKey}`, "content-type": raw?.type ?? "application/json" },
          body: raw ? raw.body : body === undefined ? null : JSON.stringify(body),
          signal: AbortSignal.timeout(timeout),
        });
        if (res.ok) return (await res.json()) as T;
        failure = await errorOf(res);
        if (res.status !== 429 && res.status < 500) throw failure;
        if (res.status === 429) wait = retryAfterMs(res.headers.get("retry-after"));
      } catch (err) {
        if (err instanceof KeelRunsError && err.status !== undefined && err.status !== 429 && err.status < 500) throw err;
        failure = err instanceof KeelRunsError ? err : new KeelRunsError(`Keel unreachable: ${(err as Error)?.message ?? String(err)}`);
      }
      if (attempt >= maxRetries)
        throw new KeelRunsError(`gave up after ${attempt + 1} attempts: ${failure.message}`, failure.status, failure.code);
      await new Promise((r) => setTimeout(r, wait ?? backoffMs(attempt)));
    }
  }

  function handle(info: RunInfo): KeelRun {
    const id = encodeURIComponent(info.id);
    const queue: Point[] = [];
    let chain: Promise<void> = Promise.resolve();
    let ended = false;

    /** a flush in line that has not started yet: later calls join it (it takes what is buffered when it starts) */
    let waiting: Promise<void> | null = null;

    /** Send what is buffered, in batches of flushAt, one request at a time. */
    function flush(): Promise<void> {
      if (waiting) return waiting;
      const run = chain.then(async () => {
        waiting = null;
        while (queue.length) {
          const batch = queue.splice(0, flushAt);
          await request("POST", `/runs/${id}/log`, { metrics: batch });
        }
      });
      waiting = run;
      // the chain survives a failed flush; the callers of this one see the error
      chain = run.catch(() => {});
      return run;
    }
    const background = () => flush().catch((err: unknown) => report(err instanceof KeelRunsError ? err : new KeelRunsError(String(err))));

    const timer = flushIntervalMs > 0 ? setInterval(() => queue.length > 0 && void background(), flushIntervalMs) : null;
    unrefTimer(timer);

    return {
      id: info.id,
      experimentId: info.experimentId,
      name: info.name,
      log(metrics, opts = {}) {
        if (ended) return report(new KeelRunsError(`run ${info.id} has ended; points dropped`));
        const timestamp = opts.timestamp ?? Date.now();
        const step = opts.step ?? 0;
        for (const [key, value] of Object.entries(metrics)) {
          if (typeof value !== "number" || !Number.isFinite(value)) {
            report(
              new KeelRunsError(`metric ${key} must be a finite number (got ${String(value)}); dropped`, undefined, "BAD_REQUEST", key),
            );
            continue;
          }
          queue.push({ key, value, step, timestamp });
        }
        if (queue.length >= flushAt) void background();
      },
      async logParams(params) {
        const values = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
        await request("POST", `/runs/${id}/log`, { params: values });
      },
      async setTags(tags) {
        await request("POST", `/runs/${id}/log`, { tags });
      },
      async logArtifact(path, data) {
        const enc = path.split("/").map(encodeURIComponent).join("/");
        const body = typeof data === "string" ? new TextEncoder().encode(data) : data;
        return request("PUT", `/runs/${id}/artifacts/${enc}`, undefined, { body: body as BodyInit, type: "application/octet-stream" });
      },
      flush,
      async end(opts = {}) {
        ended = true;
        if (timer) clearInterval(timer);
        await flush();
        return request<RunInfo>("PATCH", `/runs/${id}`, { status: opts.status ?? "FINISHED" });
      },
      get pending() {
        return queue.length;
      },
    };
  }

  return {
    async start(input) {
      const params = input.params && Object.fromEntries(Object.entries(input.params).map(([k, v]) => [k, String(v)]));
      return handle(await request<RunInfo>("POST", "/runs", { ...input, params }));
    },
    async resume(runId) {
      return handle(await request<RunInfo>("GET", `/runs/${encodeURIComponent(runId)}`));
    },
  };
}
