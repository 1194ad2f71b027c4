import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerLocal } from "../../server/registry";
import { classify, embed, sourceFromVersion, unloadModels } from "../../server/serving";
import { type HeadResult, type HeadRow, headProbabilities, trainHead } from "../../server/tuning/trainers/head";
import { makeProject } from "../factories/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";

/**
 * The bundled synthetic sentiment set (label, split, text; 1 = POSITIVE): a 209 KB copy lives in
 * test/fixtures/tuning; ../shared/datasets is the fallback.
 */
const CANDIDATES = [
  path.join(import.meta.dirname, "..", "fixtures", "tuning", "sentiment.tsv.gz"),
  path.resolve(import.meta.dirname, "..", "..", "..", "shared", "datasets", "sentiment.tsv.gz"),
];
const DATASET = CANDIDATES.find((p) => fs.existsSync(p));
if (!DATASET) console.warn(`head trainer tests skipped: no sentiment.tsv.gz at ${CANDIDATES.join(" or ")}`);

const NAMES: Record<string, string> = { "0": "NEGATIVE", "1": "POSITIVE" };
function loadRows(): HeadRow[] {
  return zlib
    .gunzipSync(fs.readFileSync(DATASET as string))
    .toString("utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [label = "", split = "", ...text] = line.split("\t");
      return { label: NAMES[label] ?? label, split: split as HeadRow["split"], text: text.join("\t") };
    });
}

/** The first `perLabel` train rows of each label (file order is already shuffled), plus every test row. */
function stratified(rows: HeadRow[], perLabel: number, testRows = Number.POSITIVE_INFINITY): HeadRow[] {
  const seen = new Map<string, number>();
  let tests = 0;
  return rows.filter((r) => {
    if (r.split === "test") return tests++ < testRows;
    if (r.split !== "train") return false;
    const n = seen.get(r.label) ?? 0;
    seen.set(r.label, n + 1);
    return n < perLabel;
  });
}

/**
 * The test trains on 1,500 rows per label and scores 800 test rows, which keeps it to seconds. The
 * 95% goal needs the whole train split (21,585 rows; embedding them takes minutes on 2 cores), so it
 * is measured by `npm run bench:tuning` and recorded in BENCHMARKS.md (96.2%), not asserted here.
 */
const PER_LABEL = 1500;
const TEST_ROWS = 800;

describe.skipIf(!DATASET)("head trainer", () => {
  let rows: HeadRow[] = [];
  let trained: HeadResult;
  const metrics: unknown[] = [];
  const logs: string[] = [];
  let t: TestDatabase;
  let projectId: string;
  let actor: { userId: string; keyId: null };

  beforeAll(async () => {
    rows = loadRows();
    t = await freshDatabase();
    const { project, owner } = await makeProject(t.db);
    projectId = project.id;
    actor = { userId: owner.user.id, keyId: null };
  });

  afterAll(async () => {
    await unloadModels();
    await t?.drop();
  });

  it("learns the sentiment split: well above chance on held-out rows from 3,000 training rows", async () => {
    const subset = stratified(rows, PER_LABEL, TEST_ROWS);
    trained = await trainHead({
      embedder: "tiny-bert-embed",
      rows: subset,
      seed: 7,
      onMetric: (m) => metrics.push(m),
      onLog: (l) => logs.push(l),
    });
    expect(trained.labels).toEqual(["NEGATIVE", "POSITIVE"]);
    expect(trained.metrics.train_examples).toBe(2 * PER_LABEL);
    expect(trained.metrics.test_examples).toBe(TEST_ROWS);
    expect(trained.metrics.test_accuracy).toBeGreaterThanOrEqual(0.85);
    expect(trained.metrics.examples_per_sec).toBeGreaterThan(0);
    expect(trained.files.map((f) => f.path)).toEqual(["head.onnx", "keel-head.json"]);
    expect(trained.config.embedding).toEqual({ source: "bundled", model: "tiny-bert-embed", dim: 256, pooling: "mean", normalize: true });
    expect(metrics.length).toBeGreaterThan(trained.metrics.epochs);
    expect(metrics.at(-1)).toMatchObject({ epoch: trained.metrics.epochs, step: expect.any(Number), loss: expect.any(Number) });
    expect(logs.some((l) => /test accuracy/.test(l))).toBe(true);
  }, 300_000);

  it("exports an ONNX graph that gives the TS forward pass's probabilities in onnxruntime", async () => {
    const texts = rows.slice(0, 48).map((r) => r.text);
    const vectors = (await embed("tiny-bert-embed", texts)).vectors;
    const x = Float32Array.from(vectors.flat());
    const expected = headProbabilities(trained.params, x);
    const onnx = trained.files.find((f) => f.path === "head.onnx")?.bytes as Uint8Array;
    const session = await ort.InferenceSession.create(onnx);
    expect(session.inputNames).toEqual(["embedding"]);
    expect(session.outputNames).toEqual(["probabilities"]);
    const out = await session.run({ embedding: new ort.Tensor("float32", x, [texts.length, 256]) });
    const probs = out.probabilities as ort.Tensor;
    expect(probs.dims).toEqual([texts.length, 2]);
    const got = probs.data as Float32Array;
    for (let i = 0; i < expected.length; i++) expect(got[i]).toBeCloseTo(expected[i] as number, 5);
    await session.release();
  });

  it("a registered head version classifies through serving", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-head-"));
    for (const f of trained.files) fs.writeFileSync(path.join(dir, f.path), f.bytes);
    const v = await registerLocal(t.db, actor, projectId, "sentiment-head", { path: dir });
    expect(v.format).toBe("keel-head");
    const source = await sourceFromVersion(t.db, projectId, "sentiment-head", v.version);
    expect(source).toMatchObject({ format: "keel-head", task: "text-classification" });
    const texts = ["The pizza was wonderful and the staff were lovely.", "Everyone complained about the burger and I will never go back."];
    const r = await classify(source, texts);
    expect(r.results.map((x) => x[0]?.label)).toEqual(["POSITIVE", "NEGATIVE"]);
    expect(r.results[0]).toHaveLength(1);
    const all = await classify(source, texts, { topK: 5 });
    for (const row of all.results) {
      expect(row.map((x) => x.label).sort()).toEqual(["NEGATIVE", "POSITIVE"]);
      expect((row[0]?.score ?? 0) + (row[1]?.score ?? 0)).toBeCloseTo(1, 5);
      expect(row[0]?.score).toBeGreaterThanOrEqual(row[1]?.score ?? 1);
    }
    // same scores as the TS forward pass over the same embeddings
    const x = Float32Array.from((await embed("tiny-bert-embed", texts)).vectors.flat());
    const p = headProbabilities(trained.params, x);
    expect(all.results[0]?.find((l) => l.label === "POSITIVE")?.score).toBeCloseTo(p[1] as number, 5);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("is deterministic for a seed", async () => {
    const small = stratified(rows, 60, 40);
    const hyper = { epochs: 3, hidden: 32 };
    const a = await trainHead({ embedder: "tiny-bert-embed", rows: small, hyper, seed: 3 });
    const b = await trainHead({ embedder: "tiny-bert-embed", rows: small, hyper, seed: 3 });
    const c = await trainHead({ embedder: "tiny-bert-embed", rows: small, hyper, seed: 4 });
    expect(Buffer.from(a.files[0]?.bytes as Uint8Array).equals(Buffer.from(b.files[0]?.bytes as Uint8Array))).toBe(true);
    expect(a.metrics.test_accuracy).toBe(b.metrics.test_accuracy);
    expect(Buffer.from(a.files[0]?.bytes as Uint8Array).equals(Buffer.from(c.files[0]?.bytes as Uint8Array))).toBe(false);
    const logistic = await trainHead({ embedder: "tiny-bert-embed", rows: small, hyper: { kind: "logistic", epochs: 2 }, seed: 3 });
    expect(logistic.config).toMatchObject({ kind: "logistic", hidden: 0 });
  });

  it("stops promptly when cancelled", async () => {
    const small = stratified(rows, 300, 0);
    const controller = new AbortController();
    let points = 0;
    const started = Date.now();
    const run = trainHead({
      embedder: "tiny-bert-embed",
      rows: small,
      hyper: { epochs: 1000 },
      signal: controller.signal,
      onMetric: () => {
        if (++points === 3) setTimeout(() => controller.abort(new Error("cancelled by test")), 0);
      },
    });
    await expect(run).rejects.toThrow(/cancelled by test/);
    expect(points).toBeLessThan(40);
    expect(Date.now() - started).toBeLessThan(30_000);
    const pre = new AbortController();
    pre.abort();
    await expect(trainHead({ embedder: "tiny-bert-embed", rows: small, signal: pre.signal })).rejects.toThrow();
  });

  it("rejects bad input with clear errors", async () => {
    const two: HeadRow[] = [
      { text: "good", label: "POSITIVE", split: "train" },
      { text: "bad", label: "NEGATIVE", split: "train" },
    ];
    const train = (over: Partial<Parameters<typeof trainHead>[0]>) => trainHead({ embedder: "tiny-bert-embed", rows: two, ...over });
    await expect(train({ rows: [] })).rejects.toMatchObject({ code: "BAD_REQUEST", field: "rows" });
    await expect(train({ rows: [two[0] as HeadRow, { ...(two[0] as HeadRow), text: "fine" }] })).rejects.toThrow(
      /at least 2 distinct labels/,
    );
    await expect(train({ rows: [...two, { text: "  ", label: "POSITIVE", split: "train" }] })).rejects.toMatchObject({
      field: "rows.2.text",
      message: "rows[2].text is empty",
    });
    await expect(train({ rows: [...two, { text: "meh", label: "NEUTRAL", split: "test" }] })).rejects.toThrow(
      /labels the train split lacks: NEUTRAL/,
    );
    await expect(train({ rows: [...two, { text: "x", label: "POSITIVE", split: "dev" as HeadRow["split"] }] })).rejects.toThrow(
      /split must be/,
    );
    await expect(train({ hyper: { epochs: 0 } })).rejects.toMatchObject({ field: "hyper.epochs" });
    await expect(train({ hyper: { learningRate: -1 } })).rejects.toMatchObject({ field: "hyper.learningRate" });
    await expect(train({ hyper: { l2: 2 } })).rejects.toMatchObject({ field: "hyper.l2" });
    await expect(train({ hyper: { batchSize: 0.5 } })).rejects.toMatchObject({ field: "hyper.batchSize" });
    await expect(train({ hyper: { hidden: 100_000 } })).rejects.toMatchObject({ field: "hyper.hidden" });
    await expect(train({ hyper: { kind: "svm" as "mlp" } })).rejects.toThrow(/hyper.kind must be logistic or mlp/);
    await expect(train({ embedder: "no-such-model" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
