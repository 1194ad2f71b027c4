/**
 * Router decision time per kind (issue 6; figures go to BENCHMARKS.md): the policy functions the
 * gateway calls, timed one decision at a time over prompts of the sentiment routing set.
 * - rules: compileRules once (5 rules: tier, metadata, regex, two lengths), then one call per request
 * - split: decideSplit, sticky by a user id (sha256 per call)
 * - cascade: cascadeDecide on a small answer (non-empty, JSON and log-probability checks)
 * - learned: feature vector + logistic regression + threshold, embedding excluded (precomputed), and
 *   the same with the embedding (embedTexts of tiny-bert-embed, one prompt per call, model loaded)
 * - the other stored kinds of a learned router (candidates.ts), through predictRouterModel as the
 *   gateway calls it, embedding excluded: tfidf (tokenize + sparse dot), knn (1,000 stored points, the
 *   cap, since the set has more), mlp (32 hidden units), mf (32 factors)
 * The models are trained on the whole set given (default: the 2,415-line benchmark set, so kNN holds
 * its maximum of points).
 * Usage: npx tsx bench/router-decisions.ts [--n 100000] [--embed-n 500] [--data FILE.jsonl]
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  cascadeDecide,
  compileRules,
  decideLearned,
  decideSplit,
  featureSpec,
  parseEvalJsonl,
  predictPrompt,
  predictRouterModel,
  type RouteRequest,
  type RouterModel,
  trainLearnedFromPrompts,
  trainSelected,
} from "../server/routing";
import { embedTexts } from "../server/serving";

const ROOT = path.resolve(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    n: { type: "string", default: "100000" },
    "embed-n": { type: "string", default: "500" },
    data: { type: "string", default: path.join(ROOT, "test/fixtures/routing/sentiment-routing-bench.jsonl") },
  },
});
const N = Number(values.n);
const EMBED_N = Number(values["embed-n"]);
const rows = parseEvalJsonl(fs.readFileSync(values.data, "utf8"));
const prompts = rows.map((r) => r.prompt);
const requests: RouteRequest[] = prompts.map((p, i) => ({
  messages: [
    { role: "system", content: "Classify the sentiment." },
    { role: "user", content: p },
  ],
  user: `user-${i}`,
  metadata: { tier: i % 3 ? "free" : "pro", task: "sentiment" },
}));

async function time(label: string, n: number, fn: (i: number) => unknown | Promise<unknown>) {
  for (let i = 0; i < Math.min(n, 1000); i++) await fn(i); // warm-up
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = process.hrtime.bigint();
    const r = fn(i);
    if (r instanceof Promise) await r; // sync policies are timed without a microtask
    t[i] = Number(process.hrtime.bigint() - s) / 1e3;
  }
  t.sort();
  const q = (p: number) => (t[Math.min(n - 1, Math.floor(p * n))] as number).toFixed(1);
  console.log(`| ${label} | ${n} | ${q(0.5)} | ${q(0.99)} | ${(t[n - 1] as number).toFixed(1)} |`);
}

const rules = compileRules({
  rules: [
    { when: { type: "tier", in: ["enterprise"] }, target: "large" },
    { when: { type: "metadata", key: "task", equals: "code" }, target: "large" },
    { when: { type: "regex", pattern: "\\b(prove|derive|refund)\\b", flags: "i" }, target: "large" },
    { when: { type: "length", op: ">", value: 2000, unit: "tokens" }, target: "large" },
    { when: { type: "length", op: "<", value: 20 }, target: "small" },
  ],
  default: "small",
  large: ["large"],
});
const split = {
  targets: [
    { target: "stable", weight: 95 },
    { target: "canary", weight: 5, large: true },
  ],
};
const cascade = { small: "small", large: "large", minMeanLogprob: -1.5, checks: { nonEmpty: true, json: true } };
const answer = { text: '{"label": "POSITIVE", "confidence": 0.93}', meanLogprob: -0.4 };

// the learned model: trained on the whole set with tiny-bert-embed (as `keel router eval` does on its train split)
const embed = (texts: string[]) => embedTexts(texts, { model: "tiny-bert-embed" });
const vectors = await embed(prompts);
const model = await trainLearnedFromPrompts(
  { prompts, small: rows.map((r) => r.small), large: rows.map((r) => r.large) },
  { featureSpec: featureSpec({ model: "tiny-bert-embed", dim: vectors[0]?.length ?? 0 }), embed, seed: 1 },
);
const learned = { small: "small", large: "large" };
const pick = <T>(xs: T[], i: number) => xs[i % xs.length] as T;

console.log(`Node ${process.version}; ${prompts.length} prompts; times in microseconds per decision\n`);
console.log("| kind | decisions | p50 µs | p99 µs | max µs |\n| --- | --- | --- | --- | --- |");
await time("rules (5 rules)", N, (i) => rules(pick(requests, i)));
await time("split (sticky, sha256)", N, (i) => decideSplit(split, "router-1", pick(requests, i).user));
await time("cascade (after the small answer)", N, () => cascadeDecide(cascade, answer));
await time("learned, embedding excluded", N, (i) =>
  decideLearned(learned, model, predictPrompt(model, pick(prompts, i), pick(vectors, i))),
);
const items = { prompts, small: rows.map((r) => r.small), large: rows.map((r) => r.large) };
for (const kind of ["tfidf", "knn", "mlp", "mf"] as const) {
  const m: RouterModel = await trainSelected(items, { embed, embeddingModel: "tiny-bert-embed", candidates: [kind], seed: 1 });
  const needs = kind !== "tfidf";
  await time(`learned ${kind}, embedding excluded`, N, (i) =>
    decideLearned(learned, m, predictRouterModel(m, pick(prompts, i), needs ? pick(vectors, i) : null)),
  );
}
await time("learned, with the embedding", EMBED_N, async (i) => {
  const p = pick(prompts, i);
  const [e] = await embed([p]);
  return decideLearned(learned, model, predictPrompt(model, p, e));
});
