import { describe, expect, it } from "vitest";
import { EvalLineError, type EvalRow, parseEvalJsonl, runRouterEval } from "./eval-run";
import { evaluateRouter } from "./evaluate";
import { seededRandom, trainTestSplit } from "./split";

/** Prompts about "proofs" defeat the small model; the large one is right on 95% of everything. */
function synthetic(n: number, seed: number): EvalRow[] {
  const rand = seededRandom(seed);
  return Array.from({ length: n }, (_, line) => {
    const hard = rand() < 0.4;
    const prompt = hard ? `Prove the lemma number ${line} about primes` : `Say hello to person ${line}`;
    return { line, prompt, small: hard ? (rand() < 0.2 ? 1 : 0) : rand() < 0.9 ? 1 : 0, large: rand() < 0.95 ? 1 : 0 };
  });
}

describe("router eval input", () => {
  it("parses lines and skips blank ones, keeping 0-based line numbers", () => {
    const rows = parseEvalJsonl(
      '{"prompt": "a", "small_quality": 0, "large_quality": 1}\n\n{"prompt": "b", "small_quality": 0.5, "large_quality": 7}\r\n',
    );
    expect(rows).toEqual([
      { line: 0, prompt: "a", small: 0, large: 1 },
      { line: 2, prompt: "b", small: 0.5, large: 7 },
    ]);
  });

  it("names the 1-based line and the field of a bad line", () => {
    const bad = (text: string) => {
      try {
        parseEvalJsonl(text);
      } catch (err) {
        expect(err).toBeInstanceOf(EvalLineError);
        return { message: (err as EvalLineError).message, field: (err as EvalLineError).field };
      }
      throw new Error("no error");
    };
    const ok = '{"prompt": "a", "small_quality": 0, "large_quality": 1}\n';
    expect(bad(`${ok}${ok}{"prompt": "c", "small_quality": "1", "large_quality": 1}\n`)).toEqual({
      message: "line 3: small_quality: expected a finite number",
      field: "small_quality",
    });
    expect(bad(`${ok}{"prompt": 5, "small_quality": 1, "large_quality": 1}`)).toEqual({
      message: "line 2: prompt: expected a string",
      field: "prompt",
    });
    expect(bad(`{"prompt": "x", "small_quality": 1}`)).toMatchObject({ message: "line 1: large_quality: expected a finite number" });
    expect(bad("[1, 2]").message).toBe("line 1: expected a JSON object");
    expect(bad(`${ok}{oops`).message).toMatch(/^line 2: invalid JSON/);
  });

  it("splits deterministically by seed", () => {
    const a = trainTestSplit(10, 0.5, 1);
    expect(a).toEqual(trainTestSplit(10, 0.5, 1));
    expect(a.train).toHaveLength(5);
    expect([...a.train, ...a.test].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(trainTestSplit(10, 0.5, 2)).not.toEqual(a);
    expect(() => trainTestSplit(10, 1, 1)).toThrow("between 0 and 1");
    expect(() => trainTestSplit(3, 0.1, 1)).toThrow("empty train split");
  });
});

describe("runRouterEval", () => {
  const embed = async (texts: string[]) => texts.map((t) => [t.includes("Prove") ? 1 : 0, t.length % 7]);

  it("trains the learned router on the train split and beats the random baseline on the test split", async () => {
    const rows = synthetic(400, 5);
    const res = await runRouterEval(rows, { trainFrac: 0.5, seed: 1, embed, embeddingModel: "fake" });
    expect(res.n_train).toBe(200);
    expect(res.n_test).toBe(200);
    expect(res.routers.map((r) => r.kind)).toEqual(["random", "length", "learned"]);
    const byKind = Object.fromEntries(res.routers.map((r) => [r.kind, r]));
    expect(byKind.learned!.apgr).toBeGreaterThan(byKind.random!.apgr + 0.15);
    expect(byKind.learned!.cpt50).toBeLessThan(byKind.random!.cpt50);
    expect(res.model?.featureSpec.embedding).toEqual({ model: "fake", dim: 2 });
    expect(res.model?.trainedOn).toBe(200);
    // the scores recompute the measures; test lines are never train lines
    const { train } = trainTestSplit(400, 0.5, 1);
    const testLines = new Set(res.scores.filter((s) => s.kind === "learned").map((s) => s.line));
    expect(testLines.size).toBe(200);
    expect(train.some((i) => testLines.has(i))).toBe(false);
    for (const r of res.routers) {
      const mine = res.scores.filter((s) => s.kind === r.kind);
      const e = evaluateRouter(
        mine.map((s) => s.score),
        mine.map((s) => rows[s.line]!.small),
        mine.map((s) => rows[s.line]!.large),
      );
      expect(e.apgr).toBe(r.apgr);
      expect(e.cpt80).toBe(r.cpt80);
    }
    // same inputs, same output
    expect(await runRouterEval(rows, { trainFrac: 0.5, seed: 1, embed, embeddingModel: "fake" })).toEqual(res);
  });

  it("uses text features alone without an embedding function, and skips a router it cannot train", async () => {
    const rows = synthetic(200, 8);
    const res = await runRouterEval(rows, { trainFrac: 0.5, seed: 3 });
    expect(res.model?.featureSpec.embedding).toBeNull();
    expect(res.routers.find((r) => r.kind === "learned")).toBeDefined();
    const allGood = rows.map((r, i) => ({ ...r, small: 1, large: i % 2 === 0 ? 1 : 2 }));
    const skipped = await runRouterEval(allGood, { trainFrac: 0.5, seed: 3, margin: 1 });
    expect(skipped.routers.map((r) => r.kind)).toEqual(["random", "length"]);
    expect(skipped.skipped).toEqual([{ kind: "learned", reason: expect.stringContaining("a classifier needs both kinds") }]);
  });
});

describe("router eval: the embedding kinds", () => {
  // a stand-in embedding for a unit test: 4 numbers from the prompt's words (not random)
  const embed = async (texts: string[]) =>
    texts.map((t) => [t.startsWith("Prove") ? 1 : 0, t.startsWith("Say") ? 1 : 0, t.length / 50, 0.5]);

  it("trains knn, mlp and mf on the train split when asked and beats random with each; skips them without embeddings", async () => {
    const rows = synthetic(400, 3);
    const res = await runRouterEval(rows, { trainFrac: 0.5, seed: 1, embed, embeddingModel: "toy", kinds: ["tfidf", "knn", "mlp", "mf"] });
    const kinds = Object.fromEntries(res.routers.map((r) => [r.kind, r]));
    expect(Object.keys(kinds)).toEqual(["random", "length", "learned", "tfidf", "knn", "mlp", "mf"]);
    for (const k of ["knn", "mlp", "mf"]) expect(kinds[k]?.apgr).toBeGreaterThan((kinds.random?.apgr as number) + 0.1);
    expect(res.scores.filter((s) => s.kind === "mf")).toHaveLength(200);
    const bare = await runRouterEval(rows, { trainFrac: 0.5, seed: 1, kinds: ["knn", "mlp", "mf"] });
    expect(bare.routers.map((r) => r.kind)).toEqual(["random", "length", "learned"]);
    expect(bare.skipped.map((s) => s.kind)).toEqual(["knn", "mlp", "mf"]);
  }, 30_000);
});
