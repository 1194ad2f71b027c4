import { and, asc, eq, gt, inArray, isNull } from "drizzle-orm";
import { z } from "zod";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError } from "../core/errors";
import { cacheKeyOf, generatorFor, renderRow } from "./generate";
import { estimateInput } from "./inputs";
import { liveTargets } from "./live";
import { checkScorers, REASONING_TOKENS, type ScorerInput, VERDICT_TOKENS } from "./scorers";
import { checkLiveTarget } from "./target";

/**
 * What a run would cost before it starts (the console's "New eval run" shows it as the inputs change):
 * tokens estimated from the rendered templates, priced by the target's and the judges' deployments.
 * An estimate, not a quote: tokens are characters / 4 (English text averages about 4 characters a
 * token under GPT-style BPE) and every answer is assumed to use its whole token budget, so the figure
 * leans high; a router's range runs from every item answered by its small target to every item by
 * its large one.
 */
export { estimateInput };
export type EstimateInput = z.input<typeof estimateInput>;

const usd = z.object({ low: z.number(), high: z.number() });
export const estimateOut = z.object({
  /** the version's rows: one answer each */
  items: z.number(),
  /** items whose answer an earlier run with the same target, input and parameters already holds: generated again for nothing */
  cached: z.number(),
  /** tokens of the answers still to generate (cached ones excluded): prompts (rendered template), and answers (the budget per item) */
  inputTokens: z.number(),
  outputTokens: z.number(),
  /** the answer budget per item: params.maxTokens, else the prompt version's max_tokens, else the target's defaults.max_tokens, else 64 (serving's default) */
  maxTokensPerItem: z.number(),
  /** the target's prices, USD per 1,000 tokens; a router's large prices as `high` */
  prices: z.object({ input: usd, output: usd }),
  /** USD of the generation alone */
  generation: usd,
  /** scorers that call a deployment (judges, embeddings): calls, tokens and USD by their deployment's prices */
  scorers: z.array(
    z.object({
      key: z.string(),
      deployment: z.string(),
      calls: z.number(),
      inputTokens: z.number(),
      outputTokens: z.number(),
      cost: z.number(),
    }),
  ),
  /** everything: generation plus scorers */
  cost: usd,
});
export type Estimate = z.infer<typeof estimateOut>;

/** Characters per token: the usual rule of thumb for English under GPT-style BPE. */
const CHARS_PER_TOKEN = 4;
const tokensOf = (text: string) => Math.ceil(text.length / CHARS_PER_TOKEN);
/** serving's answer length when a call names none (server/routing/service-local.ts) */
const SERVING_MAX_TOKENS = 64;
const PAGE = 2000;

const perK = (tokens: number, price: number) => (tokens * price) / 1000;
const asText = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v ?? ""));
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : undefined);

export async function estimateRun(db: DbOrTx, projectId: string, input: z.infer<typeof estimateInput>): Promise<Estimate> {
  const [version] = await db
    .select()
    .from(schema.datasetVersions)
    .where(and(eq(schema.datasetVersions.id, input.datasetVersionId), eq(schema.datasetVersions.projectId, projectId)));
  if (!version) throw new DomainError("NOT_FOUND", "dataset version not found", "datasetVersionId");
  const target = input.target.kind === "predictions" ? null : input.target;
  // the same checks as createRun: a target that cannot answer, a placeholder a row cannot fill, a bad scorer
  const live = target ? await checkLiveTarget(db, projectId, version.id, target) : null;
  await checkScorers(db, projectId, version.id, input.scorers);

  const generator = target ? await generatorFor(db, projectId, target) : null;
  // a prompt version's max_tokens sits between the target's params and its defaults, as in the calls
  const budget = target
    ? (target.params?.maxTokens ??
      num(generator?.promptParams.max_tokens) ??
      num((live?.defaults as { max_tokens?: unknown } | null)?.max_tokens) ??
      SERVING_MAX_TOKENS)
    : 0;
  const judges = await scorerDeployments(db, projectId, input.scorers);

  let items = 0;
  let cached = 0;
  let inputTokens = 0;
  const judged = judges.map(() => ({ inputTokens: 0 }));
  for (let after = -1; ; ) {
    const page = await db
      .select()
      .from(schema.datasetRows)
      .where(and(eq(schema.datasetRows.versionId, version.id), gt(schema.datasetRows.idx, after)))
      .orderBy(asc(schema.datasetRows.idx))
      .limit(PAGE);
    if (!page.length) break;
    after = page[page.length - 1]?.idx ?? after;
    items += page.length;
    // through the run's prompt version when it has one (a row it cannot fill is counted as rendering empty)
    const sent = target && generator ? page.map((row) => renderRow(generator, target, row)) : [];
    const rendered = sent.map((r) =>
      "error" in r ? "" : typeof r.rendered === "string" ? r.rendered : r.rendered.map((m) => m.content).join("\n"),
    );
    const hits =
      target && generator
        ? await cachedKeys(
            db,
            projectId,
            sent.map((r) => ("error" in r ? "" : cacheKeyOf(generator, target, r.rendered))),
          )
        : null;
    page.forEach((row, i) => {
      const prompt = rendered[i] ?? "";
      if (hits?.has(i)) cached++;
      else inputTokens += tokensOf(prompt);
      // a scorer sees the answer (assumed its whole budget, else the stored prediction), the input and a reference
      const answer = target ? budget : tokensOf(row.prediction ?? "");
      const context = tokensOf(asText(row.input)) + tokensOf(row.references[0] ?? "");
      judges.forEach((j, k) => {
        const into = judged[k] as { inputTokens: number };
        into.inputTokens +=
          j.kind === "embedding" ? answer + tokensOf(row.references.join(" ")) : j.calls * (j.rubricTokens + context + answer);
      });
    });
  }

  const generated = items - cached;
  const outputTokens = generated * budget;
  const prices = {
    input: { low: live?.prices.input ?? 0, high: live?.large?.prices.input ?? live?.prices.input ?? 0 },
    output: { low: live?.prices.output ?? 0, high: live?.large?.prices.output ?? live?.prices.output ?? 0 },
  };
  // a router's large target may be cheaper than its small one: low is the cheaper end either way
  const ends = [
    perK(inputTokens, prices.input.low) + perK(outputTokens, prices.output.low),
    perK(inputTokens, prices.input.high) + perK(outputTokens, prices.output.high),
  ];
  const generation = { low: Math.min(...ends), high: Math.max(...ends) };
  const scorers = judges.map((j, k) => {
    const tokensIn = judged[k]?.inputTokens ?? 0;
    const tokensOut = j.kind === "embedding" ? 0 : items * j.outputTokens;
    return {
      key: j.key,
      deployment: j.deployment,
      calls: items * j.calls,
      inputTokens: tokensIn,
      outputTokens: tokensOut,
      cost: perK(tokensIn, j.prices.input) + perK(tokensOut, j.prices.output),
    };
  });
  const scoring = scorers.reduce((s, x) => s + x.cost, 0);
  return {
    items,
    cached,
    inputTokens,
    outputTokens,
    maxTokensPerItem: budget,
    prices,
    generation,
    scorers,
    cost: { low: generation.low + scoring, high: generation.high + scoring },
  };
}

/**
 * The scorers that call a deployment, with its prices: a judge (its rubric in tokens; one call per
 * answer, two with reasoning, each within its answer budget) and embedding similarity (inputs only).
 * The judge's verdict by log-probabilities may take fewer tokens: the estimate keeps the budget.
 */
async function scorerDeployments(db: DbOrTx, projectId: string, scorers: ScorerInput[]) {
  const out: {
    kind: "judge" | "embedding";
    key: string;
    deployment: string;
    prices: { input: number; output: number };
    /** calls per item */
    calls: number;
    rubricTokens: number;
    /** output tokens per item, all calls */
    outputTokens: number;
  }[] = [];
  for (const [i, s] of scorers.entries()) {
    if (s.kind !== "judge" && s.kind !== "embedding") continue;
    // checked by checkScorers; resolved again for the prices
    const d = await liveTargets().resolve(db, projectId, { kind: "deployment", name: s.deployment });
    if (typeof d === "string") throw new DomainError("BAD_REQUEST", `scorers.${i}: ${d}`, `scorers.${i}.deployment`);
    const judge = s.kind === "judge";
    const reasoning = judge && s.reasoning === true;
    out.push({
      kind: s.kind,
      key: `${s.kind}.${s.name}`,
      deployment: s.deployment,
      prices: d.prices,
      calls: reasoning ? 2 : 1,
      rubricTokens: judge ? tokensOf(s.rubric) : 0,
      outputTokens: judge ? VERDICT_TOKENS + (reasoning ? REASONING_TOKENS : 0) : 0,
    });
  }
  return out;
}

/** Which of the keys (by position) an earlier item of the project answered without error. */
async function cachedKeys(db: DbOrTx, projectId: string, keys: string[]): Promise<Set<number>> {
  if (!keys.length) return new Set();
  const items = schema.evalItems;
  const found = await db
    .selectDistinct({ key: items.cacheKey })
    .from(items)
    .where(and(eq(items.projectId, projectId), inArray(items.cacheKey, [...new Set(keys)]), isNull(items.error)));
  const hit = new Set(found.map((f) => f.key));
  return new Set(keys.flatMap((k, i) => (hit.has(k) ? [i] : [])));
}
