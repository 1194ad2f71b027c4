import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createKeelClient, type KeelClientOptions } from "../../sdk/index";
import { backoffMs, retryAfterMs } from "../../sdk/transport";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { collectErrors, type KeelServer, projectWithKey, recordingFetch, reply, rows, startKeel } from "./helpers";

let d: TestDatabase;
let keel: KeelServer;
let projectId: string;
let key: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  ({ projectId, key } = await projectWithKey(d));
  keel = await startKeel();
});
afterEach(() => {
  keel.intercept = null;
});
afterAll(async () => {
  await keel.close();
  await d.drop();
});

const client = (opts: Partial<KeelClientOptions> = {}) =>
  createKeelClient({ baseUrl: keel.url, apiKey: key, flushIntervalMs: 60_000, ...opts });

/** An unreliable hop in front of Keel: the first `n` ingest requests get `answer`, the rest pass. */
function failFirst(n: number, answer: (req: Parameters<typeof reply>[0], res: Parameters<typeof reply>[1]) => true) {
  let failed = 0;
  keel.intercept = (req, res) => {
    if (failed >= n) return false;
    failed++;
    return answer(req, res);
  };
  return keel.requests.length;
}

describe("retries", () => {
  it("retries after 503s with backoff, then stores the batch once, in order", async () => {
    const { errors, onError } = collectErrors();
    const rec = recordingFetch();
    const c = client({ onError, fetch: rec.fetch });
    const start = failFirst(2, (req, res) => reply(req, res, 503, {}, '{"error":{"code":"UNAVAILABLE","message":"proxy down"}}'));
    const a = Array.from({ length: 5 }, () => c.trace({ name: "after-503" }).id);
    const first = c.flush();
    await vi.waitFor(() => expect(keel.requests.length).toBeGreaterThan(start)); // a is in flight
    const b = Array.from({ length: 3 }, () => c.trace({ name: "after-503-later" }).id);
    await Promise.all([first, c.flush()]);
    const seen = keel.requests.slice(start);
    expect(seen).toHaveLength(4); // 503, 503, a, b
    // backoff: attempt 0 waits 100..200 ms, attempt 1 200..400 ms
    expect((seen[1]?.at ?? 0) - (seen[0]?.at ?? 0)).toBeGreaterThanOrEqual(90);
    expect((seen[2]?.at ?? 0) - (seen[1]?.at ?? 0)).toBeGreaterThanOrEqual(190);
    expect(rec.batches).toEqual([a, a, a, b]);
    expect(await rows.traces(d, projectId, [...a, ...b])).toHaveLength(8);
    expect(errors).toEqual([]);
  });

  it("honours Retry-After (seconds) on 429", async () => {
    const { errors, onError } = collectErrors();
    const c = client({ onError });
    const start = failFirst(1, (req, res) =>
      reply(req, res, 429, { "retry-after": "1" }, '{"error":{"code":"TOO_MANY_REQUESTS","message":"slow down"}}'),
    );
    const id = c.trace({ name: "after-429" }).id;
    await c.flush();
    const seen = keel.requests.slice(start);
    expect(seen).toHaveLength(2);
    expect((seen[1]?.at ?? 0) - (seen[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(await rows.traces(d, projectId, [id])).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it("retries a dropped connection (network error)", async () => {
    const { errors, onError } = collectErrors();
    const c = client({ onError });
    const start = failFirst(1, (req) => {
      req.socket.destroy();
      return true;
    });
    const id = c.trace({ name: "after-reset" }).id;
    await c.flush();
    expect(keel.requests.length - start).toBe(2);
    expect(await rows.traces(d, projectId, [id])).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it("gives up after maxRetries, reports the dropped events, and resolves flush()", async () => {
    const { errors, onError } = collectErrors();
    const c = client({ onError, maxRetries: 2 });
    const start = failFirst(100, (req, res) => reply(req, res, 500, {}, '{"error":{"code":"INTERNAL_SERVER_ERROR","message":"boom"}}'));
    const ids = [c.trace({ name: "doomed" }).id, c.trace({ name: "doomed-2" }).id];
    await c.flush();
    expect(keel.requests.length - start).toBe(3);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: "gave-up", status: 500, attempts: 3, eventIds: ids });
    expect(errors[0]?.message).toContain("boom");
    expect(await rows.traces(d, projectId, ids)).toHaveLength(0);
    // the queue moves on: the next flush gets through
    keel.intercept = null;
    const next = c.trace({ name: "after-give-up" }).id;
    await c.flush();
    expect(await rows.traces(d, projectId, [next])).toHaveLength(1);
  });

  it("computes backoff within base 200 ms .. cap 10 s, and reads Retry-After as seconds or a date", () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const exp = Math.min(10_000, 200 * 2 ** attempt);
      const ms = backoffMs(attempt);
      expect(ms).toBeGreaterThanOrEqual(exp / 2);
      expect(ms).toBeLessThanOrEqual(exp);
    }
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs("2", now)).toBe(2000);
    expect(retryAfterMs("Thu, 01 Jan 2026 00:00:03 GMT", now)).toBe(3000);
    expect(retryAfterMs("soon", now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
    expect(retryAfterMs("86400", now)).toBe(60_000);
  });
});
