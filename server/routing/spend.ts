import { and, desc, eq, gte, isNotNull, lt, sql } from "drizzle-orm";
import { z } from "zod";
import { type DbOrTx, schema } from "../../db/client";
import { notFound } from "../core/errors";

/**
 * Gateway spend per secret key (issue 20): `key_spend` (hourly requests, tokens and cost, written with
 * each call's trace) for a key's own view and charts, and the gateway's traces (they carry
 * `api_key_id`) for the team view by user and deployment.
 */

const periodStart = (period: "day" | "month", now: Date) =>
  period === "day"
    ? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))
    : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));

export const keySelfOut = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  projectId: z.string(),
  role: z.string(),
  expiresAt: z.date().nullable(),
  limits: z.object({
    rpm: z.number().nullable(),
    tpm: z.number().nullable(),
    budgetUsd: z.number().nullable(),
    budgetPeriod: z.enum(["day", "month"]).nullable(),
    budgetMode: z.enum(["hard", "soft"]).nullable(),
    allowedModels: z.array(z.string()).nullable(),
  }),
  spend: z.object({
    /** USD of this UTC day and month (every call the gateway logged for the key) */
    dayUsd: z.number(),
    monthUsd: z.number(),
    /** the budget's period start and what is left of it (null without a budget) */
    periodStart: z.date().nullable(),
    remainingUsd: z.number().nullable(),
    requestsToday: z.number(),
    tokensToday: z.number(),
  }),
  /** the last minute's requests and tokens over every web process, as last synced */
  thisMinute: z.object({ requests: z.number(), tokens: z.number() }),
});
export type KeySelf = z.infer<typeof keySelfOut>;

/** `GET /api/v1/keys/self`: the calling key's limits, spend and remaining budget (LiteLLM's /key/info). */
export async function keySelf(db: DbOrTx, keyId: string, now = new Date()): Promise<KeySelf> {
  const k = schema.apiKeys;
  const [key] = await db
    .select({
      id: k.id,
      name: k.name,
      prefix: k.prefix,
      projectId: k.projectId,
      role: k.role,
      expiresAt: k.expiresAt,
      rpm: k.rpm,
      tpm: k.tpm,
      budgetUsd: k.budgetUsd,
      budgetPeriod: k.budgetPeriod,
      budgetMode: k.budgetMode,
      allowedModels: k.allowedModels,
    })
    .from(k)
    .where(eq(k.id, keyId));
  if (!key) throw notFound("API key");
  const ks = schema.keySpend;
  const day = periodStart("day", now);
  const [s] = await db
    .select({
      day: sql<number>`coalesce(sum(${ks.cost}) filter (where ${ks.hour} >= ${day.toISOString()}::timestamptz), 0)`.mapWith(Number),
      month: sql<number>`coalesce(sum(${ks.cost}), 0)`.mapWith(Number),
      requests: sql<number>`coalesce(sum(${ks.requests}) filter (where ${ks.hour} >= ${day.toISOString()}::timestamptz), 0)`.mapWith(
        Number,
      ),
      tokens:
        sql<number>`coalesce(sum(${ks.inputTokens} + ${ks.outputTokens}) filter (where ${ks.hour} >= ${day.toISOString()}::timestamptz), 0)`.mapWith(
          Number,
        ),
    })
    .from(ks)
    .where(and(eq(ks.keyId, keyId), gte(ks.hour, periodStart("month", now))));
  const km = schema.keyMinutes;
  const minute = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const [m] = await db
    .select({ requests: km.requests, tokens: km.tokens })
    .from(km)
    .where(and(eq(km.keyId, keyId), eq(km.minute, minute)));
  const spent = key.budgetPeriod === "day" ? (s?.day ?? 0) : (s?.month ?? 0);
  const { id, name, prefix, projectId, role, expiresAt, ...limits } = key;
  return {
    id,
    name,
    prefix,
    projectId,
    role,
    expiresAt,
    limits,
    spend: {
      dayUsd: s?.day ?? 0,
      monthUsd: s?.month ?? 0,
      periodStart: key.budgetPeriod ? periodStart(key.budgetPeriod, now) : null,
      remainingUsd: key.budgetUsd === null ? null : Math.max(0, key.budgetUsd - spent),
      requestsToday: s?.requests ?? 0,
      tokensToday: s?.tokens ?? 0,
    },
    thisMinute: { requests: m?.requests ?? 0, tokens: Number(m?.tokens ?? 0) },
  };
}

const MAX_RANGE_DAYS = 92;
export const spendRange = z
  .object({ from: z.coerce.date({ message: "must be a date" }), to: z.coerce.date({ message: "must be a date" }) })
  .refine((r) => r.to > r.from, { path: ["to"], message: "must be after from" })
  .refine((r) => r.to.getTime() - r.from.getTime() <= MAX_RANGE_DAYS * 86_400_000, {
    path: ["to"],
    message: `must be at most ${MAX_RANGE_DAYS} days after from`,
  });

export const keySpendSeriesOut = z.object({
  points: z.array(z.object({ keyId: z.string(), hour: z.date(), requests: z.number(), tokens: z.number(), cost: z.number() })),
});

/** Hourly requests, tokens and cost per key (all of the project's keys, or one) over [from, to). */
export async function keySpendSeries(
  db: DbOrTx,
  projectId: string,
  input: { from: Date; to: Date; keyId?: string },
): Promise<z.infer<typeof keySpendSeriesOut>> {
  const ks = schema.keySpend;
  const rows = await db
    .select({
      keyId: ks.keyId,
      hour: ks.hour,
      requests: ks.requests,
      tokens: sql<number>`${ks.inputTokens} + ${ks.outputTokens}`.mapWith(Number),
      cost: ks.cost,
    })
    .from(ks)
    .where(
      and(
        eq(ks.projectId, projectId),
        gte(ks.hour, input.from),
        lt(ks.hour, input.to),
        input.keyId ? eq(ks.keyId, input.keyId) : undefined,
      ),
    )
    .orderBy(ks.hour)
    .limit(50_000);
  return { points: rows };
}

const groupRow = z.object({ group: z.string().nullable(), requests: z.number(), tokens: z.number(), cost: z.number() });
export const teamSpendOut = z.object({ byKey: z.array(groupRow), byUser: z.array(groupRow), byDeployment: z.array(groupRow) });

/**
 * The team view: the gateway's spend over [from, to) per key (key_spend), per caller `user` and per
 * deployment (its traces), most spent first, 100 each.
 */
export async function teamSpend(db: DbOrTx, projectId: string, input: { from: Date; to: Date }): Promise<z.infer<typeof teamSpendOut>> {
  const ks = schema.keySpend;
  const t = schema.traces;
  const byKey = db
    .select({
      group: ks.keyId,
      requests: sql<number>`sum(${ks.requests})`.mapWith(Number),
      tokens: sql<number>`sum(${ks.inputTokens} + ${ks.outputTokens})`.mapWith(Number),
      cost: sql<number>`sum(${ks.cost})`.mapWith(Number),
    })
    .from(ks)
    .where(and(eq(ks.projectId, projectId), gte(ks.hour, input.from), lt(ks.hour, input.to)))
    .groupBy(ks.keyId)
    .orderBy(desc(sql`sum(${ks.cost})`))
    .limit(100);
  const traces = (group: ReturnType<typeof sql<string | null>>) =>
    db
      .select({
        group,
        requests: sql<number>`count(*)`.mapWith(Number),
        tokens: sql<number>`sum(${t.inputTokens} + ${t.outputTokens})`.mapWith(Number),
        cost: sql<number>`sum(${t.cost})`.mapWith(Number),
      })
      .from(t)
      .where(and(eq(t.projectId, projectId), gte(t.timestamp, input.from), lt(t.timestamp, input.to), isNotNull(t.apiKeyId)))
      .groupBy(group)
      .orderBy(desc(sql`sum(${t.cost})`))
      .limit(100);
  const [k, u, d] = await Promise.all([
    byKey,
    traces(sql<string | null>`${t.userId}`),
    traces(sql<string | null>`${t.metadata}->>'deployment'`),
  ]);
  return { byKey: k, byUser: u, byDeployment: d };
}
