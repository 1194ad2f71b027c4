import { sql } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "../../db/client";
import { DomainError } from "../core/errors";

/*
 * Usage and ratings per version of one prompt (issue 20): the calls each version made
 * (traces.prompt_version_id), their latency p50/p95, cost, and the mean of each numeric or boolean
 * score, over a time range, in total and per hour or day bucket (UTC, as the logs charts bucket).
 */

export const promptVersionStatsInput = z.object({
  name: z.string().trim().min(1).max(200),
  /** the traces' time (their `timestamp`), from inclusive, to exclusive; open when absent */
  from: z.date().optional(),
  to: z.date().optional(),
  bucket: z.enum(["hour", "day"]).default("day"),
});
export type PromptVersionStatsInput = z.input<typeof promptVersionStatsInput>;

const usage = {
  calls: z.number(),
  errors: z.number(),
  /** ms, nearest-rank (percentile_disc) over the traces with a latency; null when none has one */
  latencyP50: z.number().nullable(),
  latencyP95: z.number().nullable(),
  /** USD, summed */
  cost: z.number(),
};
const scoreMean = z.object({
  name: z.string(),
  dataType: z.enum(["numeric", "boolean"]),
  /** ratings of that name on the version's traces */
  count: z.number(),
  /** numeric: the mean value; boolean (thumbs too): the share that is true, 0..1 */
  mean: z.number(),
});
export const promptVersionStatsOut = z.object({
  /** every version of the prompt (the newest 100), newest first, with zeros where it made no call */
  versions: z.array(z.object({ id: z.string(), version: z.number(), ...usage, scores: z.array(scoreMean) })),
  /** per bucket and version, buckets with calls only */
  points: z.array(z.object({ bucket: z.date(), version: z.number(), ...usage })),
  /** per bucket, version and score name */
  scorePoints: z.array(z.object({ bucket: z.date(), version: z.number(), name: z.string(), count: z.number(), mean: z.number() })),
});
export type PromptVersionStats = z.infer<typeof promptVersionStatsOut>;

const MAX_VERSIONS = 100;

type UsageRow = {
  vid: string;
  bucket: Date | string | null;
  calls: number;
  errors: number;
  p50: number | null;
  p95: number | null;
  cost: number;
};
type ScoreRow = { vid: string; bucket: Date | string | null; name: string; data_type: "numeric" | "boolean"; n: number; mean: number };

export async function promptVersionStats(db: DbOrTx, projectId: string, raw: PromptVersionStatsInput): Promise<PromptVersionStats> {
  const input = promptVersionStatsInput.parse(raw);
  const versions = await db.execute<{ id: string; version: number }>(sql`
    SELECT v.id, v.version FROM model_versions v JOIN registered_models m ON m.id = v.model_id
    WHERE m.project_id = ${projectId} AND m.name = ${input.name} AND m.kind = 'prompt'
    ORDER BY v.version DESC LIMIT ${MAX_VERSIONS}`);
  if (versions.length === 0) {
    const [any] = await db.execute<{ kind: string }>(
      sql`SELECT kind FROM registered_models WHERE project_id = ${projectId} AND name = ${input.name}`,
    );
    if (!any) throw new DomainError("NOT_FOUND", `prompt ${input.name} not found`, "name");
    if (any.kind !== "prompt") throw new DomainError("BAD_REQUEST", `${input.name} is a ${any.kind}, not a prompt`, "name");
    return { versions: [], points: [], scorePoints: [] };
  }
  const ids = sql.join(
    versions.map((v) => sql`${v.id}::uuid`),
    sql`, `,
  );
  const where = sql`t.project_id = ${projectId} AND t.prompt_version_id IN (${ids})
    ${input.from ? sql`AND t.timestamp >= ${input.from.toISOString()}::timestamptz` : sql``}
    ${input.to ? sql`AND t.timestamp < ${input.to.toISOString()}::timestamptz` : sql``}`;
  const step = input.bucket === "day" ? "1 day" : "1 hour";
  const bucket = sql`date_bin(${step}::interval, t.timestamp, TIMESTAMPTZ '1970-01-01 00:00:00+00')`;

  const usageSql = (byBucket: boolean) => sql`
    SELECT t.prompt_version_id::text AS vid, ${byBucket ? bucket : sql`NULL::timestamptz`} AS bucket,
      count(*)::int AS calls, (count(*) FILTER (WHERE t.status = 'error'))::int AS errors,
      (percentile_disc(0.5) WITHIN GROUP (ORDER BY t.latency_ms))::float8 AS p50,
      (percentile_disc(0.95) WITHIN GROUP (ORDER BY t.latency_ms))::float8 AS p95,
      coalesce(sum(t.cost), 0)::float8 AS cost
    FROM traces t WHERE ${where}
    GROUP BY 1, 2 ORDER BY 2 NULLS FIRST`;
  const scoreSql = (byBucket: boolean) => sql`
    SELECT t.prompt_version_id::text AS vid, ${byBucket ? bucket : sql`NULL::timestamptz`} AS bucket, r.name, r.data_type,
      count(*)::int AS n, avg(r.value)::float8 AS mean
    FROM ratings r JOIN traces t ON t.project_id = r.project_id AND t.id = r.trace_id
    WHERE ${where} AND r.project_id = ${projectId} AND r.data_type IN ('numeric', 'boolean') AND r.value IS NOT NULL
    GROUP BY 1, 2, 3, 4 ORDER BY 2 NULLS FIRST, 3, 4`;
  const [totals, series, scoreTotals, scoreSeries] = await Promise.all([
    db.execute<UsageRow>(usageSql(false)),
    db.execute<UsageRow>(usageSql(true)),
    db.execute<ScoreRow>(scoreSql(false)),
    db.execute<ScoreRow>(scoreSql(true)),
  ]);

  const numberOf = new Map(versions.map((v) => [v.id, Number(v.version)]));
  const usageOf = (r: UsageRow | undefined) => ({
    calls: r?.calls ?? 0,
    errors: r?.errors ?? 0,
    latencyP50: r?.p50 ?? null,
    latencyP95: r?.p95 ?? null,
    cost: r?.cost ?? 0,
  });
  return {
    versions: versions.map((v) => ({
      id: v.id,
      version: Number(v.version),
      ...usageOf(totals.find((r) => r.vid === v.id)),
      scores: scoreTotals.filter((r) => r.vid === v.id).map((r) => ({ name: r.name, dataType: r.data_type, count: r.n, mean: r.mean })),
    })),
    points: series.map((r) => ({ bucket: new Date(r.bucket as string), version: numberOf.get(r.vid) ?? 0, ...usageOf(r) })),
    scorePoints: scoreSeries.map((r) => ({
      bucket: new Date(r.bucket as string),
      version: numberOf.get(r.vid) ?? 0,
      name: r.name,
      count: r.n,
      mean: r.mean,
    })),
  };
}
