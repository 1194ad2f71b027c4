import { describe, expect, it } from "vitest";
import { type EvalRow, runRouterEval } from "../../server/routing/eval-run";
import { evaluateRouter } from "../../server/routing/evaluate";
import { TrainingDataError } from "../../server/routing/learned";
import { fitLogistic, fitLogisticSparse, type SparseRow } from "../../server/routing/logistic";
import { seededRandom } from "../../server/routing/split";
import { fitVocabulary, isTfidfModel, predictTfidf, tfidfRow, tokenize, trainTfidf } from "../../server/routing/tfidf";

/**
 * A set where the words decide and the length does not: prompts about proofs need the large model,
 * chit-chat does not, and both get the same random amount of filler, so length carries no signal.
 */
function wordsDecide(n: number, seed: number): EvalRow[] {
  const rand = seededRandom(seed);
  const hard = ["prove the theorem", "derive the integral", "prove by induction", "derive the bound"];
  const easy = ["say hello", "thank the team", "greet the guest", "say goodbye"];
  return Array.from({ length: n }, (_, line) => {
    const isHard = rand() < 0.4;
    const topic = (isHard ? hard : easy)[Math.floor(rand() * 4)] as string;
    const filler = Array.from({ length: Math.floor(rand() * 12) }, (_, k) => `word${k % 5}`).join(" ");
    return { line, prompt: `${topic} ${filler}`.trim(), small: isHard ? 0 : 1, large: 1 };
  });
}

describe("tfidf features", () => {
  it("tokenizes into lowercase words and word pairs", () => {
    expect(tokenize("Prove it, NOW!")).toEqual(["prove", "it", "now", "prove it", "it now"]);
    expect(tokenize("")).toEqual([]);
  });

  it("keeps terms in at least two prompts, with smoothed idf, and makes unit-norm rows", () => {
    const { terms, idf } = fitVocabulary(["a b", "a c", "a b d"]);
    expect(terms).toEqual(["a", "a b", "b"]);
    expect(idf[0]).toBeCloseTo(Math.log(4 / 4) + 1);
    expect(idf[2]).toBeCloseTo(Math.log(4 / 3) + 1);
    const row = tfidfRow(new Map(terms.map((t, j) => [t, j])), idf, "a b a zzz");
    expect([...row.idx]).toEqual([0, 1, 2]);
    expect(Math.hypot(...row.val)).toBeCloseTo(1);
    expect(tfidfRow(new Map(), [], "nothing known").idx.length).toBe(0);
  });
});

describe("fitLogisticSparse", () => {
  it("fits what the dense fit fits on the same rows: one L-BFGS for both", () => {
    const rand = seededRandom(4);
    const d = 6;
    const dense = Array.from({ length: 80 }, () => Array.from({ length: d }, () => (rand() < 0.5 ? 0 : rand())));
    const y = dense.map((r) => ((r[0] as number) + (r[3] as number) > 0.6 ? 1 : 0));
    const sparse: SparseRow[] = dense.map((r) => {
      const idx = r.map((v, j) => (v ? j : -1)).filter((j) => j >= 0);
      return { idx: Int32Array.from(idx), val: Float64Array.from(idx, (j) => r[j] as number) };
    });
    const a = fitLogistic(dense, y, { l2: 0.01 });
    const b = fitLogisticSparse(sparse, y, d, { l2: 0.01 });
    expect(b.bias).toBeCloseTo(a.bias, 6);
    for (let j = 0; j < d; j++) expect(b.weights[j]).toBeCloseTo(a.weights[j] as number, 6);
  });
});

describe("trainTfidf", () => {
  it("learns which words need the large model; same data and seed, same model", () => {
    const rows = wordsDecide(200, 2);
    const args = [rows.map((r) => r.prompt), rows.map((r) => r.small), rows.map((r) => r.large)] as const;
    const model = trainTfidf(...args, { seed: 1 });
    expect(isTfidfModel(JSON.parse(JSON.stringify(model)))).toBe(true);
    expect(predictTfidf(model, "prove the theorem word1")).toBeLessThan(model.threshold);
    expect(predictTfidf(model, "say hello word1")).toBeGreaterThan(model.threshold);
    expect(trainTfidf(...args, { seed: 1 })).toEqual(model);
  });

  it("refuses one-class data", () => {
    expect(() => trainTfidf(["a", "b"], [1, 1], [1, 1])).toThrow(TrainingDataError);
    expect(() => trainTfidf([], [], [])).toThrow("no training data");
  });
});

describe("runRouterEval with the tfidf router", () => {
  it("beats the length baseline where the words decide, on every seed", async () => {
    const rows = wordsDecide(400, 9);
    for (const seed of [1, 2, 3]) {
      const res = await runRouterEval(rows, { trainFrac: 0.5, seed, tfidf: true });
      const by = Object.fromEntries(res.routers.map((r) => [r.kind, r]));
      expect(Object.keys(by)).toEqual(["random", "length", "learned", "tfidf"]);
      // the best any router can do here: the hard prompts first (APGR below 1, as 40% need the large model)
      const test = res.scores.filter((s) => s.kind === "tfidf").map((s) => rows[s.line] as EvalRow);
      const oracle = evaluateRouter(
        test.map((r) => r.large - r.small),
        test.map((r) => r.small),
        test.map((r) => r.large),
      ).apgr;
      expect(by.tfidf!.apgr).toBeGreaterThan(oracle - 0.005);
      expect(by.length!.apgr).toBeLessThan(oracle - 0.15);
      expect(by.tfidf!.cpt80).toBeLessThan(by.length!.cpt80);
      expect(res.scores.filter((s) => s.kind === "tfidf")).toHaveLength(res.n_test);
    }
  });

  it("is left out unless asked for, and skipped with its reason when it cannot train", async () => {
    const rows = wordsDecide(100, 3);
    expect((await runRouterEval(rows, { trainFrac: 0.5, seed: 1 })).routers.map((r) => r.kind)).not.toContain("tfidf");
    const allGood = rows.map((r, i) => ({ ...r, small: 1, large: i % 2 === 0 ? 1 : 2 }));
    const res = await runRouterEval(allGood, { trainFrac: 0.5, seed: 1, margin: 1, tfidf: true });
    expect(res.skipped.map((s) => s.kind)).toEqual(["learned", "tfidf"]);
  });
});
