import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { startWorker, type WorkerHandle } from "../../server/core/worker";
import { corpusBleu, evalRunJob, sentenceBleu } from "../../server/evals";
import { handleV1 } from "../../server/http/v1";
import { callerFor, makeKey, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { waitFor } from "../helpers/wait";

let d: TestDatabase;
let worker: WorkerHandle;
let p: Awaited<ReturnType<typeof makeProject>>;
let key: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  worker = await startWorker({ url: d.url, jobs: [evalRunJob], pollIntervalMs: 200 });
  p = await makeProject(d.db);
  key = (await makeKey(d.db, p.project.id, p.owner.user.id, "owner")).key;
});
afterAll(async () => {
  await worker.stop();
  await d.drop();
});

const refs = [
  "the cat sat on the mat",
  "a dog barked at the mailman",
  "it is raining in paris today",
  "she sells sea shells by the shore",
  "the stock market fell sharply",
];
const weak = ["a cat on a mat", "dog barking", "rain in paris", "she sells shells", "markets fell"];
const strong = [
  "the cat sat on the mat",
  "a dog barked at the postman",
  "it is raining in paris today",
  "she sells sea shells on the shore",
  "the stock market fell",
];

async function upload(name: string, predictions: string[]) {
  const body = refs.map((r, i) => JSON.stringify({ input: `prompt ${i}`, references: [r], prediction: predictions[i] })).join("\n");
  const res = await handleV1(
    req(`/api/v1/projects/${p.project.slug}/datasets/${name}/versions?format=jsonl`, { method: "POST", key, body }),
  );
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string };
}

async function finished(runId: string) {
  return waitFor("the eval run", async () => {
    const [run] = await d.db
      .select()
      .from(schema.evalRuns)
      .where(and(eq(schema.evalRuns.id, runId), eq(schema.evalRuns.status, "succeeded")));
    return run;
  });
}

describe("eval runs, comparisons and gates", () => {
  it("serves runs and gates over REST, from the procedures (a viewer key reads and cannot create)", async () => {
    const v = await upload("qa-rest", strong);
    const base = `/api/v1/projects/${p.project.slug}/evals`;
    const created = await handleV1(req(`${base}/runs`, { method: "POST", key, json: { name: "over rest", datasetVersionId: v.id } }));
    expect(created.status).toBe(201);
    const run = (await created.json()) as { id: string; name: string };
    expect(run.name).toBe("over rest");
    await finished(run.id);
    const got = await handleV1(req(`${base}/runs/${run.id}`, { key }));
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({ id: run.id, status: "succeeded" });
    const items = await handleV1(req(`${base}/runs/${run.id}/items?limit=2`, { key }));
    expect(((await items.json()) as unknown[]).length).toBe(2);
    const viewer = (await makeKey(d.db, p.project.id, p.owner.user.id, "viewer")).key;
    expect((await handleV1(req(`${base}/runs`, { key: viewer }))).status).toBe(200);
    const refused = await handleV1(req(`${base}/runs`, { method: "POST", key: viewer, json: { name: "no", datasetVersionId: v.id } }));
    expect(refused.status).toBe(403);
    const bad = await handleV1(req(`${base}/runs`, { method: "POST", key, json: { name: "no", datasetVersionId: "not-a-uuid" } }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field?: string } }).error.field).toBe("datasetVersionId");
  });

  it("scores stored predictions as a job, compares two runs and gates the better one", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const v1 = await upload("qa", weak);
    const v2 = await upload("qa", strong);
    const a = await api.evals.runs.create({ projectId: p.project.id, name: "weak model", datasetVersionId: v1.id });
    const b = await api.evals.runs.create({ projectId: p.project.id, name: "strong model", datasetVersionId: v2.id });
    const [ra, rb] = [await finished(a.id), await finished(b.id)];

    // per-item scores and aggregates are the metric functions' own numbers
    const items = await api.evals.runs.items({ projectId: p.project.id, runId: b.id });
    expect(items).toHaveLength(5);
    expect(items[1]?.scores["bleu.score"]).toBe(sentenceBleu(strong[1] as string, [refs[1] as string]).score);
    const means = (rb.aggregates as { means: Record<string, { mean: number; low: number; high: number }> }).means;
    expect(means["bleu.score"]?.mean).toBeCloseTo(strong.reduce((s, x, i) => s + sentenceBleu(x, [refs[i] as string]).score, 0) / 5, 10);
    expect(means["bleu.score"]?.low).toBeLessThanOrEqual(means["bleu.score"]?.mean as number);
    expect((rb.aggregates as { corpus: { bleu: { score: number } } }).corpus.bleu.score).toBe(corpusBleu(strong, [refs]).score);
    const job = await d.db.query.jobs.findFirst({ where: eq(schema.jobs.id, rb.jobId as string) });
    expect(job).toMatchObject({ status: "succeeded", progress: 1 });

    const cmp = await api.evals.runs.compare({ projectId: p.project.id, aRunId: ra.id, bRunId: rb.id, focus: "rougeL.fmeasure" });
    expect(cmp.items).toBe(5);
    expect(cmp.figures["bleu.score"]?.wins).toBe(5);
    expect(cmp.figures["bleu.score"]?.mean).toBeGreaterThan(0);
    expect(cmp.changed[0]?.diff).toBeGreaterThan(0);
    const top = cmp.changed[0];
    expect(top?.predictionB).toBe(strong[top?.idx ?? 0]);
    expect(top?.predictionA).toBe(weak[top?.idx ?? 0]);
    expect(top?.references).toEqual([refs[top?.idx ?? 0]]);
    expect(await api.evals.runs.get({ projectId: p.project.id, runId: rb.id })).toMatchObject({
      itemsDone: 5,
      itemsTotal: 5,
      dataset: { name: "qa", version: 2 },
    });

    const gate = await api.evals.gates.create({
      projectId: p.project.id,
      name: "no regression",
      rules: ["rougeL.fmeasure >= 0.5", "bleu.score >= baseline.bleu.score - 1.0"],
    });
    const pass = await api.evals.gates.evaluate({ projectId: p.project.id, gateId: gate.id, runId: rb.id, baselineRunId: ra.id });
    expect(pass.passed).toBe(true);
    const fail = await api.evals.gates.evaluate({ projectId: p.project.id, gateId: gate.id, runId: ra.id, baselineRunId: rb.id });
    expect(fail.passed).toBe(false);
    expect(fail.results.map((r) => r.passed)).toEqual([false, false]);
  });

  it("refuses bad runs and gates, naming what is wrong, and writes nothing", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const before = await d.db.select().from(schema.evalRuns);
    const noPred = await handleV1(
      req(`/api/v1/projects/${p.project.slug}/datasets/inputs-only/versions?format=jsonl`, {
        method: "POST",
        key,
        body: JSON.stringify({ input: "q", references: ["a"] }),
      }),
    );
    const version = (await noPred.json()) as { id: string };
    await expect(api.evals.runs.create({ projectId: p.project.id, name: "x", datasetVersionId: version.id })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("needs the prediction column"),
    });
    const v = await upload("qa2", strong);
    await expect(
      api.evals.runs.create({ projectId: p.project.id, name: "x", datasetVersionId: v.id, metrics: { meteor: {} } }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "metrics.meteor: unknown metric (known: bleu, chrf, rouge, exact_match)",
    });
    await expect(
      api.evals.runs.create({ projectId: p.project.id, name: "x", datasetVersionId: v.id, metrics: { bleu: { smooth: "exp" } } }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const other = await makeProject(d.db);
    await expect(
      callerFor(d.db, other.owner.principal).evals.runs.create({ projectId: other.project.id, name: "x", datasetVersionId: v.id }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(api.evals.gates.create({ projectId: p.project.id, name: "bad", rules: ["bleu.score ~ 3"] })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining('gate rule "bleu.score ~ 3"'),
    });
    expect(await d.db.select().from(schema.evalRuns)).toHaveLength(before.length);
  });
});
