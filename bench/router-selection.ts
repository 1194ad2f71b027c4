/**
 * The saved learned router's own choice (issue 17; figures go to BENCHMARKS.md): per seed, the same
 * train/test split `keel router eval --seed N` makes, `trainSelected` (server/routing/candidates.ts)
 * on the train half exactly as api.routing.train runs it (every candidate on a seeded 80% of the
 * train half, the best APGR on the other 20%, refitted on the whole train half), then RouteLLM's
 * measures of the chosen model on the test half. The test half plays no part in the choice.
 * Usage: npx tsx bench/router-selection.ts [--data FILE.jsonl] [--seeds 1,2,3,4,5] [--embedding tiny-bert-embed|none]
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { evaluateRouter, modelEmbedding, parseEvalJsonl, predictRouterModel, trainSelected, trainTestSplit } from "../server/routing";
import { embedTexts } from "../server/serving";

const ROOT = path.resolve(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    data: { type: "string", default: path.join(ROOT, "test/fixtures/routing/sentiment-routing-bench.jsonl") },
    seeds: { type: "string", default: "1,2,3,4,5" },
    embedding: { type: "string", default: "tiny-bert-embed" },
  },
});
const rows = parseEvalJsonl(fs.readFileSync(values.data, "utf8"));
const model = values.embedding === "none" ? null : values.embedding;
// every distinct prompt embedded once, as the CLI does
const cache = new Map<string, number[]>();
if (model) {
  const distinct = [...new Set(rows.map((r) => r.prompt))].sort((a, b) => a.length - b.length);
  for (let i = 0; i < distinct.length; i += 64) {
    const batch = distinct.slice(i, i + 64);
    const vectors = await embedTexts(batch, { model });
    for (const [j, t] of batch.entries()) cache.set(t, vectors[j] as number[]);
  }
}
const embed = model ? async (texts: string[]) => texts.map((t) => cache.get(t) as number[]) : undefined;

const results: Array<{ seed: number; winner: string; by: string; apgr: number; cpt50: number; cpt80: number; s: number }> = [];
for (const seed of values.seeds.split(",").map(Number)) {
  const t0 = performance.now();
  const { train, test } = trainTestSplit(rows.length, 0.5, seed);
  const tr = train.map((i) => rows[i] as (typeof rows)[number]);
  const te = test.map((i) => rows[i] as (typeof rows)[number]);
  const m = await trainSelected(
    { prompts: tr.map((r) => r.prompt), small: tr.map((r) => r.small), large: tr.map((r) => r.large) },
    { embed, embeddingModel: model ?? undefined, seed },
  );
  const needs = modelEmbedding(m) !== null;
  const scores = te.map((r) => 1 - predictRouterModel(m, r.prompt, needs ? cache.get(r.prompt) : null));
  const e = evaluateRouter(
    scores,
    te.map((r) => r.small),
    te.map((r) => r.large),
  );
  const sel = m.selection;
  results.push({
    seed,
    winner: sel?.winner ?? "?",
    by: sel?.by ?? "?",
    apgr: e.apgr,
    cpt50: e.cpt50,
    cpt80: e.cpt80,
    s: (performance.now() - t0) / 1000,
  });
  const figures = (sel?.candidates ?? []).map((c) => `${c.kind} ${c.apgr?.toFixed(3) ?? "-"}`).join(", ");
  console.log(
    `seed ${seed}: chose ${sel?.winner} by ${sel?.by} (validation APGR: ${figures}); test APGR ${e.apgr.toFixed(4)}, CPT(50%) ${(100 * e.cpt50).toFixed(1)}%, CPT(80%) ${(100 * e.cpt80).toFixed(1)}%; ${results.at(-1)?.s.toFixed(1)} s`,
  );
}
const xs = results.map((r) => r.apgr);
const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
console.log(`selected: APGR ${mean.toFixed(4)} ± ${sd.toFixed(4)} (min ${Math.min(...xs).toFixed(4)}, max ${Math.max(...xs).toFixed(4)})`);
