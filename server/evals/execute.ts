import { and, asc, eq, gt, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import type { JobContext } from "../core/queue";
import { figuresOf } from "./figures";
import { type Generated, type Generator, generatePage, generatorFor } from "./generate";
import { BleuCorpus, ChrfCorpus } from "./metrics";
import { parseMetricOptions, scoreOne } from "./score-jsonl";
import { runScorers, type ScoredExtra } from "./scorers";
import { bootstrapMean } from "./stats";
import type { LiveTargetInput } from "./target";

type EvalRun = typeof schema.evalRuns.$inferSelect;
const r = schema.evalRuns;
const items = schema.evalItems;
const rows = schema.datasetRows;
const PAGE = 500;
/** Generated answers are stored this many at a time, so a retried job resumes close to where it stopped. */
const GENERATE_PAGE = 20;
type Row = typeof rows.$inferSelect;

/**
 * The job: score every row (resuming after the last stored item on a retry), then the aggregates:
 * per figure the mean with a 95% bootstrap interval, and corpus BLEU / chrF over all rows. A run on
 * a deployment first generates each page's answers (generate.ts); its failed items are counted.
 */
export async function executeRun(ctx: JobContext<{ runId: string }>): Promise<{ items: number }> {
  const { db } = ctx;
  const [run] = await db.select().from(r).where(eq(r.id, ctx.payload.runId));
  if (!run) return { items: 0 };
  await db.update(r).set({ status: "running", error: null }).where(eq(r.id, run.id));
  try {
    const opts = parseMetricOptions(run.metrics);
    const [version] = await db.select().from(schema.datasetVersions).where(eq(schema.datasetVersions.id, run.datasetVersionId));
    const total = version?.rowCount ?? 0;
    const [last] = await db
      .select({ idx: sql<number | null>`max(${items.idx})` })
      .from(items)
      .where(eq(items.runId, run.id));
    let after = last?.idx ?? -1;
    const target = isLive(run.target) ? run.target : null;
    const spent = await spentBy(db, run.id);
    const generator = target ? await generatorFor(db, run.projectId, target, { spent: spent.total, maxCost: run.maxCost }) : null;
    // what the run has spent (answers and paid scorers: judges, embeddings) against its ceiling; a
    // generating run counts in its generator, which stops starting answers at the ceiling
    const budget: { spent: number; maxCost: number | null } = generator ?? { spent: spent.total, maxCost: run.maxCost };
    const paidScorers = run.scorers.some((x) => x.kind === "judge" || x.kind === "embedding");
    let stopped: string | null = null;
    let done = after + 1;
    for (;;) {
      const page = await db
        .select()
        .from(rows)
        .where(and(eq(rows.versionId, run.datasetVersionId), gt(rows.idx, after)))
        .orderBy(asc(rows.idx))
        .limit(generator || paidScorers ? GENERATE_PAGE : PAGE);
      if (!page.length) break;
      const predictions =
        target && generator
          ? await generatePage(ctx, run.id, generator, target, page, () => {
              done++;
              return ctx.progress(total ? done / total : 1, `${done} of ${total} items generated`);
            })
          : page.map(storedPrediction);
      // a short page: the cost ceiling stopped generation; what was answered is scored and kept
      const answered = page.slice(0, predictions.length);
      const answers = answered.map((row, i) => predictions[i] ?? storedPrediction(row));
      const extra = run.scorers.length
        ? await runScorers(
            ctx,
            run.scorers,
            answered.map((row, i) => ({ row, prediction: answers[i]?.error === null ? (answers[i]?.prediction ?? "") : null })),
          )
        : [];
      budget.spent += extra.reduce((a, x) => a + scorerCost(x.details), 0);
      const scored = answered.map((row, i) => itemOf(run, row, answers[i] as Generated, opts, extra[i]));
      if (scored.length) await db.insert(items).values(scored).onConflictDoNothing();
      after = answered[answered.length - 1]?.idx ?? after;
      done = after + 1;
      await ctx.progress(total ? (after + 1) / total : 1, `${after + 1} of ${total} items`);
      const more = after + 1 < total;
      if (answered.length < page.length || (more && budget.maxCost !== null && budget.spent >= budget.maxCost)) {
        stopped = `cost ceiling reached: the run spent $${budget.spent.toFixed(4)} of its $${budget.maxCost} after ${after + 1} of ${total} items`;
        break;
      }
    }
    const costs = await spentBy(db, run.id);
    const aggregates = {
      ...(await aggregate(db, run, opts)),
      ...(generator ? await liveFigures(db, run.id, generator) : {}),
      ...(generator || paidScorers ? { cost: { total: costs.total, generation: costs.generation, scoring: costs.scoring } } : {}),
    };
    // a ceiling stop is the run's end, not a crash: no retry, what was scored stays with its figures
    await db
      .update(r)
      .set({ status: stopped ? "failed" : "succeeded", error: stopped, aggregates, finishedAt: new Date() })
      .where(eq(r.id, run.id));
    return { items: done };
  } catch (err) {
    await db
      .update(r)
      .set({ status: ctx.signal.aborted ? "cancelled" : "failed", error: (err as Error).message, finishedAt: new Date() })
      .where(eq(r.id, run.id));
    throw err;
  }
}

const storedPrediction = (row: Row): Generated => ({ idx: row.idx, prediction: row.prediction ?? "", error: null, cacheKey: null });

const isLive = (t: EvalRun["target"]): t is LiveTargetInput => t.kind === "deployment" || t.kind === "model" || t.kind === "router";

/**
 * An item to store: scored, unless its generation failed (then its error, and no figures). A
 * generated answer also carries its latency and cost as figures (`latency.ms`, `cost.usd`), so they
 * are averaged, compared and gated like any other.
 */
function itemOf(run: EvalRun, row: Row, g: Generated, opts: ReturnType<typeof parseMetricOptions>, extra?: ScoredExtra) {
  const live: Record<string, number> =
    g.latencyMs !== undefined && g.latencyMs !== null ? { "latency.ms": g.latencyMs, "cost.usd": g.cost ?? 0 } : {};
  return {
    projectId: run.projectId,
    runId: run.id,
    idx: row.idx,
    prediction: g.prediction,
    scores: g.error === null ? { ...figuresOf(scoreOne(g.prediction, row.references, opts)), ...live, ...(extra?.scores ?? {}) } : {},
    error: g.error,
    cacheKey: g.cacheKey,
    answeredBy: g.answeredBy ?? null,
    latencyMs: g.latencyMs ?? null,
    cost: g.cost ?? null,
    traceId: g.traceId ?? null,
    details: extra && Object.keys(extra.details).length ? extra.details : null,
  };
}

/** What paid scorers (judge and embedding calls) cost on one item: the `cost` in their details. */
const scorerCost = (details: Record<string, Record<string, unknown>>) =>
  Object.values(details).reduce((a, d) => a + (typeof d.cost === "number" ? d.cost : 0), 0);

/** What a run has spent so far (USD): its answers, and its scorers' calls (from the items' details). */
async function spentBy(db: DbOrTx, runId: string): Promise<{ total: number; generation: number; scoring: number }> {
  const [n] = await db
    .select({
      generation: sql<number>`coalesce(sum(${items.cost}), 0)::float8`,
      scoring: sql<number>`coalesce(sum((SELECT sum((e.value->>'cost')::float8) FROM jsonb_each(${items.details}) e WHERE jsonb_typeof(e.value->'cost') = 'number')), 0)::float8`,
    })
    .from(items)
    .where(eq(items.runId, runId));
  const generation = n?.generation ?? 0;
  const scoring = n?.scoring ?? 0;
  return { total: generation + scoring, generation, scoring };
}

/**
 * A live run's own figures: items that failed to generate (counted, never scored as zero), total
 * cost, and who answered how often; for a router, the share of items its large targets answered.
 */
async function liveFigures(db: DbOrTx, runId: string, g: Generator) {
  const byWho = await db
    .select({
      who: items.answeredBy,
      n: sql<number>`count(*)::int`,
      failed: sql<number>`count(*) FILTER (WHERE ${items.error} IS NOT NULL)::int`,
    })
    .from(items)
    .where(eq(items.runId, runId))
    .groupBy(items.answeredBy);
  const answered = byWho.filter((w) => w.who !== null);
  const n = answered.reduce((a, w) => a + w.n - w.failed, 0);
  const large = g.deployment.large?.names ?? [];
  const largeN = answered.filter((w) => large.includes(w.who as string)).reduce((a, w) => a + w.n - w.failed, 0);
  return {
    failed: byWho.reduce((a, w) => a + w.failed, 0),
    answeredBy: Object.fromEntries(answered.map((w) => [w.who, w.n - w.failed])),
    ...(g.ref.kind === "router" ? { routing: { largeShare: n ? largeN / n : 0, large } } : {}),
  };
}

/** Per-figure means with bootstrap intervals and corpus BLEU / chrF over a run's stored items. */
export async function aggregate(db: DbOrTx, run: EvalRun, opts: ReturnType<typeof parseMetricOptions>) {
  const byFigure = new Map<string, number[]>();
  /** per scorer key, items it could not score (a judge's verdict that does not parse) */
  const unscored: Record<string, number> = {};
  const bleu = opts.bleu ? new BleuCorpus(opts.bleu) : null;
  const chrf = opts.chrf ? new ChrfCorpus(opts.chrf) : null;
  let after = -1;
  for (;;) {
    const page = await db
      .select({
        idx: items.idx,
        scores: items.scores,
        prediction: items.prediction,
        references: rows.references,
        error: items.error,
        details: items.details,
      })
      .from(items)
      .innerJoin(rows, and(eq(rows.versionId, run.datasetVersionId), eq(rows.idx, items.idx)))
      .where(and(eq(items.runId, run.id), gt(items.idx, after)))
      .orderBy(asc(items.idx))
      .limit(2000);
    if (!page.length) break;
    for (const it of page) {
      if (it.error !== null) continue;
      for (const [k, d] of Object.entries(it.details ?? {})) if (d.unscored) unscored[k] = (unscored[k] ?? 0) + 1;
      for (const [k, v] of Object.entries(it.scores)) {
        const list = byFigure.get(k);
        if (list) list.push(v);
        else byFigure.set(k, [v]);
      }
      bleu?.add(it.prediction, it.references);
      chrf?.add(it.prediction, it.references);
    }
    after = page[page.length - 1]?.idx ?? after;
  }
  const means: Record<string, { mean: number; low: number; high: number; n: number }> = {};
  for (const [k, v] of byFigure) means[k] = bootstrapMean(v, { seed: 7 });
  return {
    means,
    ...(Object.keys(unscored).length ? { unscored } : {}),
    corpus: { ...(bleu?.segments ? { bleu: bleu.score() } : {}), ...(chrf?.segments ? { chrf: { score: chrf.score().score } } : {}) },
  };
}
