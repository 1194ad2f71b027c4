import { and, asc, eq, gt, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import type { JobContext } from "../core/queue";
import { figuresOf } from "./figures";
import { type Generated, generatePage, generatorFor } from "./generate";
import { BleuCorpus, ChrfCorpus } from "./metrics";
import { parseMetricOptions, scoreOne } from "./score-jsonl";
import { bootstrapMean } from "./stats";

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
    const target = run.target.kind === "deployment" ? run.target : null;
    const generator = target ? await generatorFor(db, run.projectId, target) : null;
    let done = after + 1;
    for (;;) {
      const page = await db
        .select()
        .from(rows)
        .where(and(eq(rows.versionId, run.datasetVersionId), gt(rows.idx, after)))
        .orderBy(asc(rows.idx))
        .limit(generator ? GENERATE_PAGE : PAGE);
      if (!page.length) break;
      const predictions =
        target && generator
          ? await generatePage(ctx, run.id, generator, target, page, () => {
              done++;
              return ctx.progress(total ? done / total : 1, `${done} of ${total} items generated`);
            })
          : page.map(storedPrediction);
      const scored = page.map((row, i) => itemOf(run, row, predictions[i] ?? storedPrediction(row), opts));
      await db.insert(items).values(scored).onConflictDoNothing();
      after = page[page.length - 1]?.idx ?? after;
      done = after + 1;
      await ctx.progress(total ? (after + 1) / total : 1, `${after + 1} of ${total} items`);
    }
    const aggregates = { ...(await aggregate(db, run, opts)), ...(generator ? { failed: await failedCount(db, run.id) } : {}) };
    await db.update(r).set({ status: "succeeded", aggregates, finishedAt: new Date() }).where(eq(r.id, run.id));
    return { items: total };
  } catch (err) {
    await db
      .update(r)
      .set({ status: ctx.signal.aborted ? "cancelled" : "failed", error: (err as Error).message, finishedAt: new Date() })
      .where(eq(r.id, run.id));
    throw err;
  }
}

const storedPrediction = (row: Row): Generated => ({ idx: row.idx, prediction: row.prediction ?? "", error: null, cacheKey: null });

/** An item to store: scored, unless its generation failed (then its error, and no figures). */
function itemOf(run: EvalRun, row: Row, g: Generated, opts: ReturnType<typeof parseMetricOptions>) {
  return {
    projectId: run.projectId,
    runId: run.id,
    idx: row.idx,
    prediction: g.prediction,
    scores: g.error === null ? figuresOf(scoreOne(g.prediction, row.references, opts)) : {},
    error: g.error,
    cacheKey: g.cacheKey,
  };
}

/** How many of a run's items failed to generate (counted, never scored as zero). */
async function failedCount(db: DbOrTx, runId: string): Promise<number> {
  const [n] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(items)
    .where(and(eq(items.runId, runId), sql`${items.error} IS NOT NULL`));
  return n?.n ?? 0;
}

/** Per-figure means with bootstrap intervals and corpus BLEU / chrF over a run's stored items. */
export async function aggregate(db: DbOrTx, run: EvalRun, opts: ReturnType<typeof parseMetricOptions>) {
  const byFigure = new Map<string, number[]>();
  const bleu = opts.bleu ? new BleuCorpus(opts.bleu) : null;
  const chrf = opts.chrf ? new ChrfCorpus(opts.chrf) : null;
  let after = -1;
  for (;;) {
    const page = await db
      .select({ idx: items.idx, scores: items.scores, prediction: items.prediction, references: rows.references, error: items.error })
      .from(items)
      .innerJoin(rows, and(eq(rows.versionId, run.datasetVersionId), eq(rows.idx, items.idx)))
      .where(and(eq(items.runId, run.id), gt(items.idx, after)))
      .orderBy(asc(items.idx))
      .limit(2000);
    if (!page.length) break;
    for (const it of page) {
      if (it.error !== null) continue;
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
    corpus: { ...(bleu?.segments ? { bleu: bleu.score() } : {}), ...(chrf?.segments ? { chrf: { score: chrf.score().score } } : {}) },
  };
}
