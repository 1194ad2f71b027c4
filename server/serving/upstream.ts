import type { Readable } from "node:stream";
import { Pool } from "undici";
import type { DbOrTx } from "../../db/client";
import { type EgressPolicy, egressConnector, egressPolicy, egressRefusalOf } from "../core/egress";
import { getInstanceSetting } from "../workspace";

/**
 * Calls to OpenAI-compatible upstreams: a per-provider concurrency limit (callers queue, in order),
 * a timeout to the response headers, and retries with backoff on 429 and 5xx (honouring
 * Retry-After, at most 10 s) or a network error, never after the client went away.
 */
export interface UpstreamTarget {
  id: string;
  baseUrl: string;
  apiKey: string | null;
  timeoutMs: number;
  maxRetries: number;
  maxConcurrency: number;
}

export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly kind: "timeout" | "network" | "status" | "egress",
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * One keep-alive connection pool per upstream origin and egress policy (undici `Pool`, not global
 * `fetch`): the gateway's hot path skips fetch's Request/Response machinery (see BENCHMARKS.md,
 * gateway overhead). Each new connection is checked by the egress policy on the address it goes to
 * (server/core/egress.ts); kept-alive ones were checked when they opened. When the allow-list
 * changes, an origin's pool under the old policy is closed (its requests in flight finish first).
 */
const pools = new Map<string, { pool: Pool; origin: string }>();
function poolFor(origin: string, connections: number, egress: EgressPolicy): Pool {
  const key = `${egress.key} ${origin}`;
  let p = pools.get(key);
  if (!p) {
    for (const [k, old] of pools)
      if (old.origin === origin) {
        pools.delete(k);
        old.pool.close().catch(() => {});
      }
    p = { pool: new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000, connect: egressConnector(egress) }), origin };
    pools.set(key, p);
  }
  return p.pool;
}

/** The egress policy for provider calls: KEEL_EGRESS_ALLOW plus the instance admins' allow-list (cached a few seconds). */
export async function providerEgressPolicy(db: DbOrTx): Promise<EgressPolicy> {
  return egressPolicy(await getInstanceSetting(db, "egress.allow"));
}

const RETRY_STATUS = new Set([408, 409, 429, 500, 502, 503, 504]);

class Gate {
  active = 0;
  private waiting: (() => void)[] = [];
  constructor(public limit: number) {}
  async enter(signal?: AbortSignal): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const go = () => {
        signal?.removeEventListener("abort", gone);
        this.active++;
        resolve();
      };
      const gone = () => {
        this.waiting = this.waiting.filter((w) => w !== go);
        reject(signal?.reason ?? new Error("aborted"));
      };
      signal?.addEventListener("abort", gone, { once: true });
      this.waiting.push(go);
    });
  }
  leave(): void {
    this.active--;
    this.waiting.shift()?.();
  }
}
const gates = new Map<string, Gate>();
function gateFor(t: UpstreamTarget): Gate {
  let g = gates.get(t.id);
  if (!g) {
    g = new Gate(t.maxConcurrency);
    gates.set(t.id, g);
  }
  g.limit = t.maxConcurrency;
  return g;
}

/** Milliseconds to wait before attempt `n` (1-based retry count). */
export function backoffMs(n: number, retryAfter: string | null, random = Math.random): number {
  const s = retryAfter ? Number(retryAfter) : Number.NaN;
  if (Number.isFinite(s) && s >= 0) return Math.min(10_000, s * 1000);
  const at = retryAfter ? Date.parse(retryAfter) : Number.NaN;
  if (Number.isFinite(at)) return Math.min(10_000, Math.max(0, at - Date.now()));
  return Math.min(10_000, 200 * 2 ** (n - 1) * (0.5 + random()));
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/** An upstream's answer once its headers arrived: Node-native (no web Response on the hot path). */
export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** the body as it arrives (undici's readable; destroy it to cancel the call) */
  body: Readable;
}

/** The whole body of an upstream response, as bytes. */
export async function readUpstreamBody(r: UpstreamResponse): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r.body) chunks.push(c as Buffer);
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

/** Drop a body we won't read (undici reports a destroyed body as an abort error: expected here). */
export function discard(body: Readable): void {
  body.on("error", () => {});
  body.destroy();
}

const header = (h: UpstreamResponse["headers"], name: string): string | null => {
  const v = h[name];
  return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
};

/**
 * POST `body` to `<baseUrl><path>`. Resolves with the upstream's response once its headers arrived
 * (a final non-retryable status included: the caller maps it); the concurrency slot is held until
 * the body is consumed or cancelled (`release` on the result). `db` gives the egress allow-list; a
 * connection the egress policy refuses fails at once (kind "egress"), without retries.
 */
export async function callUpstream(
  t: UpstreamTarget,
  path: string,
  body: unknown,
  opts: { db: DbOrTx; signal?: AbortSignal },
): Promise<{ response: UpstreamResponse; attempts: number; release: () => void }> {
  const egress = await providerEgressPolicy(opts.db);
  const gate = gateFor(t);
  await gate.enter(opts.signal);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    gate.leave();
  };
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (t.apiKey) headers.authorization = `Bearer ${t.apiKey}`;
  const text = JSON.stringify(body);
  const url = new URL(`${t.baseUrl}${path}`);
  const pool = poolFor(url.origin, t.maxConcurrency, egress);
  const target = `${url.pathname}${url.search}`;
  try {
    for (let attempt = 1; ; attempt++) {
      // one controller per attempt: the timeout (to headers) and the caller's signal both abort it
      const ac = new AbortController();
      const timer = setTimeout(
        () => ac.abort(new UpstreamError(`no response from ${t.baseUrl} within ${t.timeoutMs} ms`, "timeout")),
        t.timeoutMs,
      );
      const onAbort = () => ac.abort(opts.signal?.reason);
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      let response: UpstreamResponse | null = null;
      let failure: UpstreamError | null = null;
      try {
        if (opts.signal?.aborted) throw opts.signal.reason ?? new Error("aborted");
        const res = await pool.request({ method: "POST", path: target, headers, body: text, signal: ac.signal });
        response = { status: res.statusCode, headers: res.headers, body: res.body };
      } catch (err) {
        if (opts.signal?.aborted) throw opts.signal.reason ?? err;
        const refused = egressRefusalOf(err);
        if (refused) throw new UpstreamError(`${t.baseUrl}: ${refused.message}`, "egress");
        failure =
          ac.signal.aborted && ac.signal.reason instanceof UpstreamError
            ? ac.signal.reason
            : new UpstreamError(`${t.baseUrl} is unreachable: ${(err as Error).message}`, "network");
      } finally {
        clearTimeout(timer);
        opts.signal?.removeEventListener("abort", onAbort);
      }
      const retryable = failure !== null || (response !== null && RETRY_STATUS.has(response.status));
      if (attempt > t.maxRetries || !retryable) {
        if (failure) throw failure;
        return { response: response as UpstreamResponse, attempts: attempt, release };
      }
      const wait = backoffMs(attempt, response ? header(response.headers, "retry-after") : null);
      if (response) discard(response.body);
      await sleep(wait, opts.signal);
    }
  } catch (err) {
    release();
    throw err;
  }
}
