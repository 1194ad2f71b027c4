import { and, eq, gte, inArray, isNull, lt, or, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { env } from "../../env";
import { logger } from "../core/logger";
import { onKeySpend } from "../logs";
import { emitRegistryEvent } from "../registry";
import type { KeyLimits } from "../workspace";
import { GatewayError } from "./service-contract";

/**
 * A secret key's gateway limits (issue 20), enforced without a database read per request.
 *
 * Each web process keeps, per limited key, the totals it last read (requests and tokens of this and
 * the last UTC minute, summed over every process in `key_minutes`; spend of this day and month in
 * `key_spend`) plus what it counted itself since. Every KEEL_KEY_SYNC_MS it adds its own counts to
 * `key_minutes` and reads the totals back. A decision is the last totals + this process's counts
 * since, so the overshoot a limit allows is at most what the *other* web processes admit in one
 * interval (one process alone never overshoots its rpm; it overshoots a hard budget only by the
 * calls it admits before the spending calls' traces are written, within KEEL_GATEWAY_LOG_LINGER_MS).
 *
 * Requests per minute use a sliding window estimate (the last minute's count weighted by the part of
 * it still inside the window, plus this minute's), so a burst across a minute boundary is not twice
 * the limit. Tokens are counted when a call ends (its usage), so a call is admitted while the
 * window has any token left. Spend is counted from each call's cost in the transaction that writes
 * its trace (server/logs/ingest.ts); this process learns its own calls' cost at that commit.
 *
 * The first call of a key in a process reads its totals before it is decided (one read per key per
 * process), so a fresh process does not hand out a spent budget again.
 */

interface Minute {
  requests: number;
  tokens: number;
}
interface KeyState {
  keyId: string;
  limits: KeyLimits;
  /** totals of every process as last read, by UTC minute number */
  read: Map<number, Minute>;
  /** this process's counts not yet added to key_minutes, by minute */
  local: Map<number, Minute>;
  /** counts being added right now (the sync in flight): still counted until its read lands */
  flushing: Map<number, Minute>;
  /** spend in USD of the day and the month as last read, with the period starts they belong to */
  spend: { day: number; dayStart: number; month: number; monthStart: number };
  /** this process's calls' cost committed since (at: commit time, ms): dropped once a read started after them */
  pendingSpend: { at: number; cost: number }[];
  lastUsed: number;
  loaded: Promise<void> | null;
  /** start of the budget period whose crossing this process has announced (or seen announced) */
  announced: number;
}

const states = new Map<string, KeyState>();
let syncDb: DbOrTx | null = null;
let timer: NodeJS.Timeout | null = null;
let lastPrune = 0;
/** Keys idle this long are forgotten (their next call reads their totals again). */
const IDLE_MS = 10 * 60_000;

const minuteOf = (ms: number) => Math.floor(ms / 60_000);
const dayStart = (ms: number) => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
};
const monthStart = (ms: number) => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
};
const nextPeriodStart = (period: "day" | "month", ms: number) => {
  const d = new Date(ms);
  return period === "day"
    ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)
    : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
};

export const hasLimits = (l: KeyLimits | null | undefined): l is KeyLimits =>
  !!l && (l.rpm !== null || l.tpm !== null || l.budgetUsd !== null);

function add(to: Map<number, Minute>, minute: number, requests: number, tokens: number) {
  const m = to.get(minute);
  if (m) {
    m.requests += requests;
    m.tokens += tokens;
  } else to.set(minute, { requests, tokens });
}

/** A minute's count as this process sees it: read totals + in flight + local. */
function countOf(s: KeyState, minute: number): Minute {
  const out = { requests: 0, tokens: 0 };
  for (const m of [s.read.get(minute), s.flushing.get(minute), s.local.get(minute)]) {
    if (!m) continue;
    out.requests += m.requests;
    out.tokens += m.tokens;
  }
  return out;
}

/** The sliding window estimate at `now`: the last minute weighted by how much of it is still in the window. */
function windowed(s: KeyState, now: number): Minute {
  const m = minuteOf(now);
  const cur = countOf(s, m);
  const prev = countOf(s, m - 1);
  const w = 1 - (now % 60_000) / 60_000;
  return { requests: cur.requests + prev.requests * w, tokens: cur.tokens + prev.tokens * w };
}

/** Spend of the key's budget period at `now`: the last read (if it is of this period) + this process's since. */
function spentOf(s: KeyState, now: number): number {
  const period = s.limits.budgetPeriod ?? "month";
  const start = period === "day" ? dayStart(now) : monthStart(now);
  const read = period === "day" ? (s.spend.dayStart === start ? s.spend.day : 0) : s.spend.monthStart === start ? s.spend.month : 0;
  return read + s.pendingSpend.reduce((a, p) => a + (p.at >= start ? p.cost : 0), 0);
}

/**
 * Milliseconds until the sliding window frees one request, if nothing else is admitted meanwhile: the
 * last minute's weight falls linearly, so this minute frees one once `prev * (1 - f) <= rpm - 1 - cur`
 * (f: the part of the minute gone); if this minute alone is full, the next one does once
 * `cur * (1 - f) <= rpm - 1`.
 */
function rpmFreeIn(s: KeyState, rpm: number, now: number): number {
  const m = minuteOf(now);
  const cur = countOf(s, m).requests;
  const prev = countOf(s, m - 1).requests;
  const into = now % 60_000;
  if (cur + 1 <= rpm && prev > 0) return Math.max(0, (1 - (rpm - 1 - cur) / prev) * 60_000 - into);
  return 60_000 - into + Math.max(0, 1 - (rpm - 1) / Math.max(cur, 1)) * 60_000;
}

const secondsTo = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
/** OpenAI's reset format: `1s`, `6m0s`. */
const resetText = (s: number) => (s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`);

export interface Admission {
  /** x-ratelimit-* and budget headers for the answer */
  headers: Record<string, string>;
}

/**
 * Admit one gateway call of a limited key, or throw its 429 (OpenAI's shape: `rate_limit_exceeded`
 * with type `requests` or `tokens`; `budget_exceeded` for a hard budget), with Retry-After. An
 * admitted call counts one request at once; its tokens and cost come when it ends.
 */
export async function admitKeyCall(db: DbOrTx, keyId: string, limits: KeyLimits, now = Date.now()): Promise<Admission> {
  syncDb = db;
  let s = states.get(keyId);
  if (!s) {
    s = {
      keyId,
      limits,
      read: new Map(),
      local: new Map(),
      flushing: new Map(),
      spend: { day: 0, dayStart: 0, month: 0, monthStart: 0 },
      pendingSpend: [],
      lastUsed: now,
      loaded: null,
      announced: 0,
    };
    states.set(keyId, s);
    s.loaded = readTotals(db, [s], now).finally(() => {
      (s as KeyState).loaded = null;
    });
  }
  if (s.loaded) await s.loaded;
  // a new or changed budget is announced again when crossed (the edit cleared api_keys.budget_alerted_for)
  if (s.limits.budgetUsd !== limits.budgetUsd || s.limits.budgetPeriod !== limits.budgetPeriod) s.announced = 0;
  s.limits = limits; // the principal's (cached for KEEL_KEY_CACHE_SECONDS): an edit applies within that
  s.lastUsed = now;
  startSync();
  const headers: Record<string, string> = {};
  const win = windowed(s, now);
  const toMinuteEnd = secondsTo(60_000 - (now % 60_000));
  if (limits.budgetUsd !== null) {
    const spent = spentOf(s, now);
    const left = limits.budgetUsd - spent;
    headers["x-keel-budget-limit-usd"] = String(limits.budgetUsd);
    headers["x-keel-budget-remaining-usd"] = String(Math.max(0, Math.round(left * 1e6) / 1e6));
    if (left <= 0) {
      const retry = secondsTo(nextPeriodStart(limits.budgetPeriod ?? "month", now) - now);
      if (limits.budgetMode === "hard")
        throw new GatewayError(
          429,
          `This key's ${limits.budgetPeriod === "day" ? "daily" : "monthly"} budget of $${limits.budgetUsd} is spent ($${spent.toFixed(6)}); it renews at the next UTC ${limits.budgetPeriod}`,
          "insufficient_quota",
          null,
          "budget_exceeded",
          { "retry-after": String(retry) },
        );
      headers["x-keel-budget-exceeded"] = "soft";
    }
  }
  if (limits.rpm !== null) {
    const used = win.requests;
    if (used + 1 > limits.rpm) {
      const retry = secondsTo(rpmFreeIn(s, limits.rpm, now));
      throw new GatewayError(
        429,
        `Rate limit reached for requests per min (RPM): Limit ${limits.rpm}, Used ${Math.ceil(used)}, Requested 1. Please try again in ${retry}s.`,
        "requests",
        null,
        "rate_limit_exceeded",
        { "retry-after": String(retry), ...rateHeaders(limits, win, toMinuteEnd) },
      );
    }
  }
  if (limits.tpm !== null && win.tokens >= limits.tpm)
    throw new GatewayError(
      429,
      `Rate limit reached for tokens per min (TPM): Limit ${limits.tpm}, Used ${Math.ceil(win.tokens)}. Please try again in ${toMinuteEnd}s.`,
      "tokens",
      null,
      "rate_limit_exceeded",
      { "retry-after": String(toMinuteEnd), ...rateHeaders(limits, win, toMinuteEnd) },
    );
  add(s.local, minuteOf(now), 1, 0);
  Object.assign(headers, rateHeaders(limits, { requests: win.requests + 1, tokens: win.tokens }, toMinuteEnd));
  return { headers };
}

function rateHeaders(limits: KeyLimits, used: Minute, resetS: number): Record<string, string> {
  const h: Record<string, string> = {};
  if (limits.rpm !== null) {
    h["x-ratelimit-limit-requests"] = String(limits.rpm);
    h["x-ratelimit-remaining-requests"] = String(Math.max(0, Math.floor(limits.rpm - used.requests)));
    h["x-ratelimit-reset-requests"] = resetText(resetS);
  }
  if (limits.tpm !== null) {
    h["x-ratelimit-limit-tokens"] = String(limits.tpm);
    h["x-ratelimit-remaining-tokens"] = String(Math.max(0, Math.floor(limits.tpm - used.tokens)));
    h["x-ratelimit-reset-tokens"] = resetText(resetS);
  }
  return h;
}

/** A finished call's tokens (its usage), counted against the key's tokens per minute. */
export function countKeyTokens(keyId: string, tokens: number, now = Date.now()): void {
  const s = states.get(keyId);
  if (s && tokens > 0) add(s.local, minuteOf(now), 0, tokens);
}

// this process's own calls' cost, as ingest commits it (with the trace)
onKeySpend((keyId, cost, committedAt) => {
  const s = states.get(keyId);
  if (s && cost > 0) s.pendingSpend.push({ at: committedAt, cost });
});

function startSync() {
  if (timer) return;
  timer = setInterval(() => void syncKeyLimits(), env.KEEL_KEY_SYNC_MS);
  timer.unref();
}

let syncing: Promise<void> | null = null;

/** Add this process's counts to key_minutes and read every limited key's totals back (the interval's work). */
export function syncKeyLimits(now = Date.now()): Promise<void> {
  syncing ??= runSync(now).finally(() => {
    syncing = null;
  });
  return syncing;
}

async function runSync(now: number): Promise<void> {
  const db = syncDb;
  if (!db) return;
  for (const [id, s] of states) if (now - s.lastUsed > IDLE_MS && !s.local.size) states.delete(id);
  const live = [...states.values()].filter((s) => !s.loaded);
  if (!live.length) {
    if (timer) clearInterval(timer);
    timer = null;
    return;
  }
  const rows: { keyId: string; minute: Date; requests: number; tokens: number }[] = [];
  for (const s of live) {
    s.flushing = s.local;
    s.local = new Map();
    for (const [m, c] of s.flushing) rows.push({ keyId: s.keyId, minute: new Date(m * 60_000), ...c });
  }
  try {
    const km = schema.keyMinutes;
    if (rows.length)
      await db
        .insert(km)
        .values(rows)
        .onConflictDoUpdate({
          target: [km.keyId, km.minute],
          set: { requests: sql`${km.requests} + excluded.requests`, tokens: sql`${km.tokens} + excluded.tokens` },
        });
    await readTotals(db, live, now);
    for (const s of live) s.flushing = new Map();
    await announceBudgets(db, live, now);
    if (now - lastPrune > 60_000) {
      lastPrune = now;
      await db.delete(km).where(lt(km.minute, new Date((minuteOf(now) - 5) * 60_000)));
    }
  } catch (err) {
    // counts not added stay this process's own, for the next interval
    for (const s of live) {
      for (const [m, c] of s.flushing) add(s.local, m, c.requests, c.tokens);
      s.flushing = new Map();
    }
    logger.warn({ err }, "key limits: sync failed; deciding on this process's counts until the next one");
  }
}

/** Read the totals of `keys`: this and the last minute's counts, this day's and month's spend. */
async function readTotals(db: DbOrTx, keys: KeyState[], now: number): Promise<void> {
  const ids = keys.map((s) => s.keyId);
  const readAt = Date.now();
  const m = minuteOf(now);
  const km = schema.keyMinutes;
  const ks = schema.keySpend;
  const month = monthStart(now);
  const day = dayStart(now);
  const budgeted = keys.filter((s) => s.limits.budgetUsd !== null).map((s) => s.keyId);
  const [minutes, spend] = await Promise.all([
    db
      .select({ keyId: km.keyId, minute: km.minute, requests: km.requests, tokens: km.tokens })
      .from(km)
      .where(and(inArray(km.keyId, ids), gte(km.minute, new Date((m - 1) * 60_000)))),
    budgeted.length
      ? db
          .select({
            keyId: ks.keyId,
            day: sql<number>`coalesce(sum(${ks.cost}) filter (where ${ks.hour} >= ${new Date(day).toISOString()}::timestamptz), 0)`.mapWith(
              Number,
            ),
            month: sql<number>`coalesce(sum(${ks.cost}), 0)`.mapWith(Number),
          })
          .from(ks)
          .where(and(inArray(ks.keyId, budgeted), gte(ks.hour, new Date(month))))
          .groupBy(ks.keyId)
      : Promise.resolve([]),
  ]);
  for (const s of keys) {
    s.read = new Map();
    s.spend = { day: 0, dayStart: day, month: 0, monthStart: month };
    // a cost committed before this read began is in what it read
    s.pendingSpend = s.pendingSpend.filter((p) => p.at >= readAt);
  }
  const byId = new Map(keys.map((s) => [s.keyId, s]));
  for (const r of minutes) byId.get(r.keyId)?.read.set(minuteOf(r.minute.getTime()), { requests: r.requests, tokens: Number(r.tokens) });
  for (const r of spend) {
    const s = byId.get(r.keyId);
    if (s) s.spend = { day: r.day, dayStart: day, month: r.month, monthStart: month };
  }
}

/**
 * Send `key.budget_exceeded` (a registry webhook event) for keys whose spend of this period, as just
 * read, reached their budget: once per key and period across every process (the conditional update
 * of `api_keys.budget_alerted_for` picks one), within one sync interval of the crossing. Soft budgets
 * are announced as hard ones are: the event is how a team hears of it (LiteLLM's budget alerts).
 */
async function announceBudgets(db: DbOrTx, keys: KeyState[], now: number): Promise<void> {
  const k = schema.apiKeys;
  for (const s of keys) {
    const { budgetUsd, budgetPeriod, budgetMode } = s.limits;
    if (budgetUsd === null) continue;
    const period = budgetPeriod ?? "month";
    const start = period === "day" ? dayStart(now) : monthStart(now);
    const spent = spentOf(s, now);
    if (s.announced === start || spent < budgetUsd) continue;
    try {
      await db.transaction(async (tx) => {
        const [key] = await tx
          .update(k)
          .set({ budgetAlertedFor: new Date(start) })
          .where(and(eq(k.id, s.keyId), or(isNull(k.budgetAlertedFor), lt(k.budgetAlertedFor, new Date(start)))))
          .returning({ projectId: k.projectId, name: k.name, prefix: k.prefix });
        if (!key) return; // another process announced it
        await emitRegistryEvent(tx, key.projectId, "key.budget_exceeded", {
          keyId: s.keyId,
          name: key.name,
          prefix: key.prefix,
          budgetUsd,
          budgetPeriod: period,
          budgetMode: budgetMode ?? "hard",
          spentUsd: Math.round(spent * 1e6) / 1e6,
          periodStart: new Date(start).toISOString(),
          renewsAt: new Date(nextPeriodStart(period, now)).toISOString(),
        });
      });
      s.announced = start;
    } catch (err) {
      logger.warn({ err, keyId: s.keyId }, "key limits: announcing a spent budget failed; trying again at the next sync");
    }
  }
}

/** Forget every key's counts (tests: a fresh process). */
export function resetKeyLimits(): void {
  states.clear();
  if (timer) clearInterval(timer);
  timer = null;
}
