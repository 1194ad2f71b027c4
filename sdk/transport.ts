import { type IngestResult, KeelIngestError } from "./types.js";

/** One event ready to send: its id and its JSON, serialized once at enqueue time. */
export interface Serialized {
  id: string;
  json: string;
  /** UTF-8 bytes of `json` */
  bytes: number;
}

export interface TransportOptions {
  url: string;
  apiKey: string;
  maxRetries: number;
  fetch: typeof globalThis.fetch;
  /** per attempt, milliseconds */
  requestTimeoutMs: number;
  report: (err: KeelIngestError) => void;
}

export const BACKOFF_BASE_MS = 200;
export const BACKOFF_CAP_MS = 10_000;
/** A Retry-After longer than this is clamped (a misbehaving proxy must not park the queue for hours). */
const RETRY_AFTER_CAP_MS = 60_000;

/** `{"batch":[` + `]}`: the bytes of a request body beyond its events and their commas. */
export const ENVELOPE_BYTES = 12;

/** UTF-8 byte length without allocating (TextEncoder would copy the whole string). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4; // a surrogate pair is one 4-byte code point
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** Exponential backoff with jitter: attempt 0 waits 100..200 ms, doubling up to 5..10 s. */
export function backoffMs(attempt: number): number {
  const exp = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return exp / 2 + Math.random() * (exp / 2);
}

/** `Retry-After` as seconds or an HTTP date, in ms; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const s = header.trim();
  const ms = /^\d+(\.\d+)?$/.test(s) ? Number(s) * 1000 : Date.parse(s) - now;
  if (!Number.isFinite(ms)) return null;
  return Math.min(Math.max(0, ms), RETRY_AFTER_CAP_MS);
}

/** Let the process exit while the timer waits: Node's timers have unref(), a browser's are numbers. */
export function unrefTimer(timer: unknown): void {
  const t = timer as { unref?: () => void } | null;
  if (t && typeof t.unref === "function") t.unref();
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function readJson(res: Response): Promise<unknown> {
  try {
    return await res.json();
  } catch {
    return null;
  }
}

/**
 * A refusal as the SDK's clients word it: `Keel answered 404: <message> (field <field>)`, with Keel's
 * error code and field (the status text when the body is not Keel's error shape).
 */
export async function refusalOf(res: Response): Promise<{ message: string; code?: string | undefined; field?: string | undefined }> {
  const e = ((await readJson(res)) as { error?: { code?: unknown; message?: unknown; field?: unknown } } | null)?.error;
  const field = typeof e?.field === "string" ? e.field : undefined;
  const text = typeof e?.message === "string" ? e.message : res.statusText;
  return {
    message: `Keel answered ${res.status}: ${text}${field ? ` (field ${field})` : ""}`,
    code: typeof e?.code === "string" ? e.code : undefined,
    field,
  };
}

/** `onError` guarded (a throwing handler must not break the app), console.warn when none is given. */
export function reporter<E extends Error>(onError: ((err: E) => void) | undefined): (err: E) => void {
  return (err) => {
    try {
      (onError ?? ((e: E) => console.warn(`[keel] ${e.message}`)))(err);
    } catch {
      // a throwing onError must not break the app
    }
  };
}

function describeError(body: unknown, status: number): { message: string; code?: string | undefined } {
  const e = (body as { error?: { code?: unknown; message?: unknown; field?: unknown } } | null)?.error;
  if (e && typeof e.message === "string") {
    const field = typeof e.field === "string" ? ` (field ${e.field})` : "";
    return { message: `${e.message}${field}`, code: typeof e.code === "string" ? e.code : undefined };
  }
  return { message: `HTTP ${status}` };
}

/**
 * Send one batch, retrying network errors, 5xx and 429 (after `Retry-After` when given) up to
 * `maxRetries` times. Never throws: refusals and give-ups go to `report`. Retries re-send the same
 * ids, so a request that was stored but whose answer was lost is upserted, not doubled.
 */
export async function sendBatch(items: Serialized[], opts: TransportOptions): Promise<void> {
  const body = `{"batch":[${items.map((i) => i.json).join(",")}]}`;
  const eventIds = items.map((i) => i.id);
  for (let attempt = 0; ; attempt++) {
    let wait: number | null = null;
    let failure: string;
    let status: number | undefined;
    let cause: unknown;
    try {
      const res = await opts.fetch(opts.url, {
        method: "POST",
        headers: { authorization: `Bearer ${opts.apiKey}`, "content-type": "application/json" },
        body,
        signal: AbortSignal.timeout(opts.requestTimeoutMs),
      });
      status = res.status;
      if (res.ok) {
        reportResults(await readJson(res), items, opts.report);
        return;
      }
      const parsed = describeError(await readJson(res), res.status);
      if (res.status !== 429 && res.status < 500) {
        opts.report(
          new KeelIngestError("request", `Keel refused ${items.length} events: ${res.status} ${parsed.message}`, {
            status: res.status,
            code: parsed.code,
            eventIds,
            attempts: attempt + 1,
          }),
        );
        return;
      }
      if (res.status === 429) wait = retryAfterMs(res.headers.get("retry-after"));
      failure = `${res.status} ${parsed.message}`;
    } catch (err) {
      cause = err;
      const reason = (err as { cause?: { message?: string } }).cause?.message;
      failure = `${(err as Error).message ?? String(err)}${reason ? ` (${reason})` : ""}`;
    }
    if (attempt >= opts.maxRetries) {
      opts.report(
        new KeelIngestError("gave-up", `Dropped ${items.length} events after ${attempt + 1} attempts: ${failure}`, {
          status,
          eventIds,
          attempts: attempt + 1,
          cause,
        }),
      );
      return;
    }
    await sleep(wait ?? backoffMs(attempt));
  }
}

/** Per-event refusals of a 207: reported with the event's id, never retried (they would fail again). */
function reportResults(body: unknown, items: Serialized[], report: (err: KeelIngestError) => void): void {
  const results = (body as { results?: IngestResult[] } | null)?.results;
  if (!Array.isArray(results)) return;
  results.forEach((r, i) => {
    if (!r || typeof r.status !== "number" || r.status < 300) return;
    const id = r.id ?? items[i]?.id ?? null;
    report(
      new KeelIngestError("event", `Keel refused event ${id}: ${r.status} ${r.error ?? ""}`.trim(), { status: r.status, eventId: id }),
    );
  });
}
