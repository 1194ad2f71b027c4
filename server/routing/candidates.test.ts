import { describe, expect, it } from "vitest";
import {
  candidateOf,
  isRouterModel,
  MIN_SELECTION_ITEMS,
  modelEmbedding,
  modelSummary,
  predictRouterModel,
  type RouterModel,
  trainSelected,
} from "./candidates";
import { featureSpec } from "./features";
import { trainLearned } from "./learned";
import { seededRandom } from "./split";

/** Prompts where a topic word decides (hard topics need the large model) and filler hides length. */
function items(n: number, seed: number) {
  const rand = seededRandom(seed);
  const hard = ["prove", "derive", "integrate", "optimize"];
  const easy = ["hello", "thanks", "greet", "goodbye"];
  const prompts: string[] = [];
  const small: number[] = [];
  for (let i = 0; i < n; i++) {
    const isHard = rand() < 0.4;
    const word = (isHard ? hard : easy)[Math.floor(rand() * 4)] as string;
    const filler = Array.from({ length: Math.floor(rand() * 8) }, (_, k) => `w${k % 3}`).join(" ");
    prompts.push(`${word} ${filler}`.trim());
    small.push(isHard ? 0 : 1);
  }
  return { prompts, small, large: prompts.map(() => 1) };
}

/** A stand-in embedding model for unit tests: 6 numbers per text, from its words (not random). */
const embed = async (texts: string[]) =>
  texts.map((t) => {
    const w = t.split(" ");
    const hard = ["prove", "derive", "integrate", "optimize"].includes(w[0] as string) ? 1 : 0;
    return [hard, 1 - hard, w.length / 10, (t.length % 7) / 7, w.filter((x) => x === "w1").length / 3, 0.5];
  });

describe("learned router candidates", () => {
  it("trains every candidate on a validation slice, stores the winner and every candidate's figures", async () => {
    const data = items(300, 1);
    const model = await trainSelected(data, { embed, embeddingModel: "toy", seed: 1 });
    const sel = model.selection;
    expect(sel).toBeDefined();
    expect(sel?.by).toBe("apgr");
    expect(sel?.validationItems).toBe(60);
    expect(sel?.candidates.map((c) => c.kind)).toEqual(["logistic", "tfidf", "knn", "mlp", "mf"]);
    for (const c of sel?.candidates ?? []) {
      expect(c.apgr).toBeGreaterThan(0.65); // the words decide: every kind finds them (oracle 1 - 0.4/2 = 0.8)
      expect(c.logLoss).toBeGreaterThan(0);
    }
    const best = Math.max(...(sel?.candidates ?? []).map((c) => c.apgr as number));
    // the winner has the best APGR (a tie within float noise goes to the earlier, simpler kind)
    const winner = sel?.candidates.find((c) => c.kind === sel.winner);
    expect(winner?.apgr).toBeGreaterThanOrEqual(best - 1e-9);
    for (const c of sel?.candidates ?? [])
      if (c.kind === sel?.winner) break;
      else expect(c.apgr).toBeLessThan((winner?.apgr as number) + 1e-9);
    expect(candidateOf(model)).toBe(sel?.winner);
    expect(model.trainedOn).toBe(300); // refitted on every item
    // the same inputs and seed give the same model
    expect(JSON.stringify(await trainSelected(data, { embed, embeddingModel: "toy", seed: 1 }))).toBe(JSON.stringify(model));
    // stored as JSON and read back, it decides: a hard prompt large, an easy one small
    const back = JSON.parse(JSON.stringify(model)) as RouterModel;
    expect(isRouterModel(back)).toBe(true);
    const p = async (t: string) => predictRouterModel(back, t, modelEmbedding(back) ? ((await embed([t]))[0] as number[]) : null);
    expect(await p("derive w0 w1")).toBeLessThan(back.threshold);
    expect(await p("hello w0 w1")).toBeGreaterThanOrEqual(back.threshold);
  }, 30_000);

  it("trains and serves each kind alone when it is the only candidate", async () => {
    const data = items(120, 2);
    for (const kind of ["logistic", "tfidf", "knn", "mlp", "mf"] as const) {
      const model = await trainSelected(data, { embed, embeddingModel: "toy", candidates: [kind], seed: 1 });
      expect(candidateOf(model)).toBe(kind);
      expect(model.selection).toMatchObject({ winner: kind, by: "single", note: "one candidate" });
      const back = JSON.parse(JSON.stringify(model)) as RouterModel;
      expect(isRouterModel(back)).toBe(true);
      const v = modelEmbedding(back) ? ((await embed(["prove w0"]))[0] as number[]) : null;
      expect(predictRouterModel(back, "prove w0", v)).toBeLessThan(back.threshold);
      const summary = modelSummary(back);
      for (const bulky of ["weights", "points", "w1", "proj", "terms"]) expect(summary).not.toHaveProperty(bulky);
      expect(summary).toMatchObject({ kind: back.kind, threshold: back.threshold, trainedOn: 120 });
    }
  }, 30_000);

  it(`below ${MIN_SELECTION_ITEMS} items trains the first candidate alone (logistic by default)`, async () => {
    const model = await trainSelected(items(60, 3), { embed, embeddingModel: "toy", seed: 1 });
    expect(model.kind).toBe("logistic");
    expect(model.selection?.by).toBe("single");
    expect(model.selection?.note).toMatch(/fewer than 250/);
  });

  it("without an embedding model, leaves the embedding kinds out; refuses when nothing is left or a kind is unknown", async () => {
    const data = items(300, 4);
    const model = await trainSelected(data, { seed: 1 });
    expect(model.selection?.candidates.map((c) => c.kind)).toEqual(["logistic", "tfidf"]);
    expect(modelEmbedding(model)).toBeNull();
    await expect(trainSelected(data, { candidates: ["knn", "mf"] })).rejects.toThrow(
      "candidates: knn, mf need an embedding model, and none is configured",
    );
    await expect(trainSelected(data, { candidates: ["nope" as never] })).rejects.toThrow("candidates: unknown router kind nope");
    await expect(trainSelected(data, { candidates: [] })).rejects.toThrow(/at least one/);
    await expect(trainSelected({ ...data, small: data.small.map(() => 1) }, { seed: 1 })).rejects.toThrow(/both kinds/);
  });

  it("still reads and serves a logistic model stored before candidates existed (no selection)", () => {
    const data = items(80, 5);
    const spec = featureSpec(null);
    const old = JSON.parse(
      JSON.stringify(
        trainLearned(
          data.prompts.map((p) => [p.length, p.split(" ").length, 0, 0, 0, 0, 1]),
          data.small,
          data.large,
          { featureSpec: spec },
        ),
      ),
    );
    expect(old.selection).toBeUndefined();
    expect(isRouterModel(old)).toBe(true);
    expect(modelEmbedding(old)).toBeNull();
    expect(predictRouterModel(old, "hello")).toBeGreaterThan(0);
    expect(isRouterModel({ kind: "knn" })).toBe(false);
    expect(isRouterModel(null)).toBe(false);
  });
});
