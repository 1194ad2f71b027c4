import { and, eq, isNotNull, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError } from "../core/errors";
import { embedTexts } from "../serving";
import { type Actor, recordAudit } from "../workspace";
import { modelSummary, type RouterModel, trainSelected } from "./candidates";
import type { TrainInput } from "./inputs";
import { TrainingDataError } from "./learned";
import { type LearnedConfig, promptText } from "./policies";
import { getRouter } from "./service-routers";

interface Items {
  prompts: string[];
  small: number[];
  large: number[];
}

async function fromRatings(db: DbOrTx, projectId: string, small: string, goodAt: number, limit: number): Promise<Items> {
  const t = schema.traces;
  const rows = await db
    .select({ input: t.input, rating: t.ratingMean })
    .from(t)
    .where(and(eq(t.projectId, projectId), isNotNull(t.ratingMean), sql`${t.metadata}->>'deployment' = ${small}`))
    .orderBy(sql`${t.timestamp} desc`)
    .limit(limit);
  const items: Items = { prompts: [], small: [], large: [] };
  for (const r of rows) {
    const input = r.input as unknown;
    const prompt = Array.isArray(input)
      ? promptText({ messages: input as { role: string; content?: unknown }[] })
      : typeof input === "string"
        ? input
        : "";
    if (!prompt) continue;
    items.prompts.push(prompt);
    items.small.push(r.rating as number);
    // the large model is assumed good: the label is "the small answer was rated good"
    items.large.push(goodAt);
  }
  return items;
}

async function fromEvals(db: DbOrTx, projectId: string, src: { smallRunId: string; largeRunId: string; figure: string }): Promise<Items> {
  const e = schema.evalRuns;
  const runs = await db
    .select()
    .from(e)
    .where(and(eq(e.projectId, projectId), sql`${e.id} in (${src.smallRunId}, ${src.largeRunId})`));
  const small = runs.find((x) => x.id === src.smallRunId);
  const large = runs.find((x) => x.id === src.largeRunId);
  if (!small) throw new DomainError("NOT_FOUND", "eval run not found", "source.smallRunId");
  if (!large) throw new DomainError("NOT_FOUND", "eval run not found", "source.largeRunId");
  if (small.datasetVersionId !== large.datasetVersionId)
    throw new DomainError("BAD_REQUEST", "the two eval runs must score the same dataset version", "source.largeRunId");
  const rows = await db.execute<{ input: unknown; s: number | null; l: number | null }>(sql`
    select r.input, (a.scores->>${src.figure})::float8 as s, (b.scores->>${src.figure})::float8 as l
    from ${schema.datasetRows} r
    join ${schema.evalItems} a on a.run_id = ${small.id} and a.idx = r.idx
    join ${schema.evalItems} b on b.run_id = ${large.id} and b.idx = r.idx
    where r.version_id = ${small.datasetVersionId}
      -- an item a live target failed to answer has no figure: it trains nothing either way
      and a.error is null and b.error is null
    order by r.idx`);
  const items: Items = { prompts: [], small: [], large: [] };
  for (const r of rows) {
    if (r.s === null || r.l === null)
      throw new DomainError("BAD_REQUEST", `the eval runs have no figure ${src.figure} per item`, "source.figure");
    items.prompts.push(typeof r.input === "string" ? r.input : JSON.stringify(r.input));
    items.small.push(r.s);
    items.large.push(r.l);
  }
  return items;
}

/** The embedding model of the learned router's candidates (bundled, offline). */
const EMBEDDING = "tiny-bert-embed";

/**
 * Train a learned router from data the project already has: the candidate kinds of its config
 * (logistic on embedding + text features, tfidf, knn, mlp, mf; candidates.ts), the best on a seeded
 * validation slice refitted on every item, its threshold calibrated, and store it on the router
 * with the selection's figures (`trained.selection`).
 */
export async function trainRouter(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  input: TrainInput,
): Promise<{
  router: string;
  model: Record<string, unknown> & Pick<RouterModel, "kind" | "threshold" | "margin" | "trainedOn" | "metrics" | "selection">;
}> {
  const router = await getRouter(db, projectId, input.name);
  if (router.kind !== "learned")
    throw new DomainError("BAD_REQUEST", `router ${router.name} is a ${router.kind} router; only learned routers train`, "name");
  const config = router.config as unknown as LearnedConfig & { margin?: number; candidates?: LearnedConfig["candidates"] };
  const items =
    input.source.kind === "ratings"
      ? await fromRatings(db, projectId, config.small, input.source.goodAt, input.source.limit)
      : await fromEvals(db, projectId, input.source);
  if (items.prompts.length < 10)
    throw new DomainError(
      "BAD_REQUEST",
      input.source.kind === "ratings"
        ? `router ${router.name} has ${items.prompts.length} rated calls answered by ${config.small}; it needs at least 10 to train`
        : `the eval runs share ${items.prompts.length} items; at least 10 are needed`,
      "source",
    );
  let model: RouterModel;
  try {
    model = await trainSelected(items, {
      embed: (texts) => embedTexts(texts, { model: EMBEDDING }),
      embeddingModel: EMBEDDING,
      candidates: config.candidates,
      seed: input.seed,
      margin: input.source.kind === "evals" ? input.source.margin : (config.margin ?? 0),
      targetLargeShare: input.targetLargeShare,
    });
  } catch (err) {
    if (err instanceof TrainingDataError) throw new DomainError("BAD_REQUEST", err.message, "source");
    if (err instanceof RangeError && err.message.startsWith("candidates:"))
      throw new DomainError("BAD_REQUEST", err.message, "config.candidates");
    throw err;
  }
  await db.transaction(async (tx) => {
    await tx
      .update(schema.routers)
      .set({ trained: model as unknown as Record<string, unknown>, trainedAt: new Date(), updatedAt: new Date() })
      .where(eq(schema.routers.id, router.id));
    await recordAudit(tx, actor, {
      projectId,
      action: "routing.router.train",
      targetType: "router",
      targetId: router.id,
      after: {
        source: input.source,
        kind: model.kind,
        trainedOn: model.trainedOn,
        metrics: model.metrics,
        selection: model.selection ?? null,
      },
    });
  });
  const { kind, threshold, margin, trainedOn, metrics, selection } = model;
  return { router: router.name, model: { ...modelSummary(model), kind, threshold, margin, trainedOn, metrics, selection } };
}
