import os from "node:os";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { BleuCorpus, exactMatch } from "../../server/evals";
import { figuresOf } from "../../server/evals/figures";
import { parseMetricOptions, scoreOne } from "../../server/evals/score-jsonl";
import { createPrompt } from "../../server/registry";
import { SYSTEM_ACTOR } from "../../server/workspace";
import { errorOf, evalCliSetup, EVAL_ROWS as ROWS } from "../helpers/eval-runs";

/**
 * `keel eval run` as CI runs it, in local mode: a real `keel` process against a real database, its
 * result line and its exit code (remote mode, --url and --key: eval-run-remote.test.ts).
 */
const t = evalCliSetup();
const { keel, file, scorersFile, counts, run, jobOf } = t;

/** What the run's figures must be: each row scored by the metric functions, then averaged; corpus BLEU over all. */
function expected(metrics: Record<string, Record<string, unknown>>) {
  const opts = parseMetricOptions(metrics);
  const per = ROWS.map((r) => figuresOf(scoreOne(r.prediction, r.references, opts)));
  const out: Record<string, number> = {};
  for (const k of Object.keys(per[0] ?? {})) out[k] = per.reduce((a, f) => a + (f[k] ?? 0), 0) / per.length;
  if (opts.bleu) {
    const corpus = new BleuCorpus(opts.bleu);
    for (const r of ROWS) corpus.add(r.prediction, r.references);
    out["corpus.bleu.score"] = corpus.score().score;
  }
  return out;
}

describe("keel eval run (local mode)", () => {
  const data = () => file("answers.jsonl", ROWS);
  const base = () => ["eval", "run", "--project", t.slug, "--data", data(), "--dataset-name", "ci-answers", "--target", "predictions"];

  it("passes its gates: exit 0 and the result line, its figures those of the metric functions", async () => {
    const res = await keel([
      ...base(),
      "--scorer",
      "rouge,bleu,exact_match",
      "--gate",
      "rougeL.fmeasure >= 0.4",
      "--gate",
      "corpus.bleu.score > 10",
      "--name",
      "ci-main",
      "--wait",
      "--json",
    ]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(Object.keys(res.out ?? {})).toEqual(["run", "status", "metrics", "gates"]);
    const want = expected({ rouge: {}, bleu: {}, exact_match: {} });
    const metrics = res.out?.metrics as Record<string, number>;
    expect(Object.keys(metrics).sort()).toEqual(Object.keys(want).sort());
    for (const [k, v] of Object.entries(want)) expect(metrics[k], k).toBeCloseTo(v, 9);
    // exact_match is scored as the metric scores it: "paris" is not "Paris" without normalization
    expect(metrics["exact_match.score"]).toBeCloseTo(ROWS.filter((r) => exactMatch(r.prediction, r.references) === 1).length / 4, 12);
    expect(res.out?.gates).toEqual([
      { rule: "rougeL.fmeasure >= 0.4", passed: true, actual: metrics["rougeL.fmeasure"] },
      { rule: "corpus.bleu.score > 10", passed: true, actual: metrics["corpus.bleu.score"] },
    ]);
    expect(res.out?.status).toBe("succeeded");
    const stored = await run(res.out?.run);
    expect(stored).toMatchObject({ name: "ci-main", status: "succeeded", target: { kind: "column" } });
    const [version] = await t.d.db
      .select()
      .from(schema.datasetVersions)
      .where(eq(schema.datasetVersions.id, stored?.datasetVersionId ?? ""));
    expect(version).toMatchObject({ version: 1, rowCount: 4, source: { kind: "upload", format: "jsonl", filename: "answers.jsonl" } });
  });

  it("fails a gate: exit 1, the failed rule with its figure; the same file adds no version; a baseline by name", async () => {
    const before = await counts();
    const res = await keel([
      ...base(),
      "--scorer",
      "exact_match,rouge",
      "--gate",
      "exact_match.score >= 0.9",
      "--gate",
      "rougeL.fmeasure >= baseline.rougeL.fmeasure",
      "--baseline",
      "ci-main",
      "--wait",
      "--json",
    ]);
    expect(res.code).toBe(1);
    const metrics = res.out?.metrics as Record<string, number>;
    expect(res.out?.gates).toEqual([
      { rule: "exact_match.score >= 0.9", passed: false, actual: metrics["exact_match.score"] },
      { rule: "rougeL.fmeasure >= baseline.rougeL.fmeasure", passed: true, actual: metrics["rougeL.fmeasure"] },
    ]);
    expect(await counts()).toMatchObject({ versions: before?.versions, runs: (before?.runs ?? 0) + 1 });

    // human text: the same verdict, the same exit code
    const text = await keel([...base(), "--scorer", "exact_match", "--gate", "exact_match.score >= 0.9", "--wait"]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/succeeded: 4 of 4 items/);
    expect(text.stdout).toMatch(/FAIL exact_match\.score >= 0\.9 \(0\.5\)/);
    // a gate on a figure the run does not have fails, saying why
    const missing = await keel([...base(), "--scorer", "bleu", "--gate", "rougeL.fmeasure >= 0.1", "--wait", "--json"]);
    expect(missing.code).toBe(1);
    expect(missing.out?.gates).toEqual([{ rule: "rougeL.fmeasure >= 0.1", passed: false, actual: null }]);
    expect(missing.stderr).toContain("run has no figure rougeL.fmeasure");
  });

  it("runs the scorers of a --scorers file and gates on their figures", async () => {
    const scorers = scorersFile("scorers.json", [
      { kind: "regex", name: "lower", pattern: "^[a-z ]+$" },
      { kind: "json", name: "obj" },
    ]);
    const res = await keel([
      ...base(),
      "--scorer",
      "rouge",
      "--scorers",
      scorers,
      "--gate",
      "regex.lower >= 1",
      "--gate",
      "json.obj > 0",
      "--wait",
      "--json",
    ]);
    expect(res.code).toBe(1);
    const metrics = res.out?.metrics as Record<string, number>;
    expect(metrics["regex.lower"]).toBe(ROWS.filter((r) => /^[a-z ]+$/.test(r.prediction)).length / ROWS.length);
    expect(metrics["json.obj"]).toBe(0);
    expect(res.out?.gates).toEqual([
      { rule: "regex.lower >= 1", passed: true, actual: 1 },
      { rule: "json.obj > 0", passed: false, actual: 0 },
    ]);
  });

  it("refuses bad usage with exit 2, naming what is wrong, and writes nothing", async () => {
    const before = await counts();
    const gen = ["eval", "run", "--project", t.slug, "--data", data(), "--dataset-name", "ci-refused", "--wait", "--json"];
    const cases: [string[], RegExp][] = [
      // a placeholder no row fills: checked in the run's transaction, which the dataset version was part of
      [[...gen, "--target", "model:tiny-gpt2@production", "--template", "Q: {{input.q}}"], /^--template: .*\{\{input\.q\}\}.*row 0/],
      [[...gen, "--target", "deployment:nowhere"], /^--target: deployment nowhere does not exist/],
      [[...gen, "--target", "model:tiny-gpt2@nightly"], /^--target: model tiny-gpt2 has no alias nightly/],
      [[...gen, "--target", "queue:x"], /unknown kind "queue"/],
      [
        [...gen, "--target", "predictions", "--scorer", "meteor"],
        /--scorer meteor: unknown scorer \(known: rouge, bleu, chrf, exact_match\)/,
      ],
      [[...gen, "--target", "predictions", "--gate", "rougeL.fmeasure is high"], /^--gate: gate rule/],
      [[...gen, "--target", "predictions", "--max-cost", "0.5"], /^--max-cost: .*costs nothing/],
      [[...gen, "--target", "predictions", "--frobnicate"], /Unknown option '--frobnicate'/],
      [[...gen, "--target", "predictions", "--scorers", file("s1.json", [])], /^--scorers .*s1\.json: not JSON/],
      [
        [...gen, "--target", "predictions", "--scorers", scorersFile("s2.json", { kind: "regex" })],
        /^--scorers .*s2\.json: expected a JSON array/,
      ],
      [
        [...gen, "--target", "predictions", "--scorers", scorersFile("s3.json", [{ kind: "regex", name: "r", pattern: "(" }])],
        /^--scorers: scorers\.0 \(regex\.r\): the pattern/,
      ],
      [["eval", "run", "--project", t.slug, "--dataset", "ci-answers@x", "--target", "predictions", "--json"], /the version after @/],
      [
        ["eval", "run", "--project", t.slug, "--dataset", "never-made", "--target", "predictions", "--json"],
        /^--dataset: no dataset named never-made/,
      ],
      [["eval", "run", "--project", "no-such-project", "--dataset", "ci-answers", "--target", "predictions", "--json"], /^--project/],
    ];
    for (const [args, message] of cases) {
      const res = await keel(args);
      expect(res.code, args.join(" ")).toBe(2);
      expect(errorOf(res), args.join(" ")).toMatch(message);
    }
    const bad = file("bad.jsonl", [ROWS[0], { input: "no references" }]);
    const res = await keel([
      "eval",
      "run",
      "--project",
      t.slug,
      "--data",
      bad,
      "--dataset-name",
      "ci-bad",
      "--target",
      "predictions",
      "--json",
    ]);
    expect(res.code).toBe(2);
    expect(errorOf(res)).toBe(`--data ${bad}: line 2, column "references": the references column is missing or empty`);
    expect(await counts()).toEqual(before);
  });

  it("generates answers from model:tiny-gpt2@production with a template: with no worker online, the command runs the job itself", async () => {
    const rows = ROWS.map(({ prediction: _, ...r }) => r);
    const res = await keel([
      "eval",
      "run",
      "--project",
      t.slug,
      "--data",
      file("questions.jsonl", rows),
      "--dataset-name",
      "ci-questions",
      "--target",
      "model:tiny-gpt2@production",
      "--template",
      "Question: {{input}}\nAnswer:",
      "--template-kind",
      "completion",
      "--scorer",
      "rouge",
      "--gate",
      "latency.ms > 0",
      "--wait",
      "--json",
    ]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(res.out).toMatchObject({ status: "succeeded", gates: [{ rule: "latency.ms > 0", passed: true }] });
    const metrics = res.out?.metrics as Record<string, number>;
    expect(metrics["rougeL.fmeasure"]).toBeGreaterThanOrEqual(0);
    expect(metrics["cost.usd"]).toBe(0);
    const stored = await run(res.out?.run);
    expect(stored?.target).toMatchObject({
      kind: "model",
      name: "tiny-gpt2",
      ref: "production",
      template: { kind: "completion", text: "Question: {{input}}\nAnswer:" },
    });
    const items = await t.d.db
      .select()
      .from(schema.evalItems)
      .where(eq(schema.evalItems.runId, String(res.out?.run)));
    expect(items).toHaveLength(4);
    for (const it of items) {
      expect(it.error).toBeNull();
      expect(it.answeredBy).toMatch(/^model:tiny-gpt2:\d+$/);
      expect(it.latencyMs).toBeGreaterThan(0);
      expect(typeof it.traceId).toBe("string");
    }
    // each answer's trace, written before the command closed its database
    const [traced] = await t.d.db.execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM traces WHERE project_id = ${t.projectId} AND ${`eval-run:${String(res.out?.run)}`} = ANY(tags)`,
    );
    expect(traced?.n).toBe(4);
    // the job ran in the command's own process
    const job = await jobOf(res.out?.run);
    expect(job).toMatchObject({ status: "succeeded" });
    expect(job?.workerId?.startsWith(`${os.hostname()}:${res.pid}:`)).toBe(true);
  });

  it("renders the rows through --prompt NAME[@LABEL|:VERSION], says which version it used, and links the run to it", async () => {
    const rows = ROWS.map(({ prediction: _, ...r }) => r);
    await createPrompt(t.d.db, SYSTEM_ACTOR, t.projectId, {
      name: "cli-qa",
      prompt: "Question: {{input}}\nAnswer:",
      config: { max_tokens: 4 },
      labels: ["production"],
    });
    await createPrompt(t.d.db, SYSTEM_ACTOR, t.projectId, { name: "cli-qa", messages: [{ role: "user", content: "Q: {{input}}" }] });
    const gen = ["eval", "run", "--project", t.slug, "--data", file("prompted.jsonl", rows), "--dataset-name", "ci-prompted"];
    const target = ["--target", "model:tiny-gpt2@production", "--scorer", "rouge"];
    for (const [spec, version] of [
      ["cli-qa", 1],
      ["cli-qa@production", 1],
      ["cli-qa:2", 2],
    ] as const) {
      const res = await keel([...gen, ...target, "--prompt", spec, "--wait", "--json"]);
      expect(res.stderr).toBe("");
      expect(res.code).toBe(0);
      expect(res.out).toMatchObject({ status: "succeeded", prompt: { name: "cli-qa", version } });
      const stored = await run(res.out?.run);
      expect(stored?.target).toMatchObject({ kind: "model", prompt: { name: "cli-qa", version } });
      const [linked] = await t.d.db
        .select({ version: schema.modelVersions.version })
        .from(schema.modelVersionEvals)
        .innerJoin(schema.modelVersions, eq(schema.modelVersions.id, schema.modelVersionEvals.versionId))
        .where(eq(schema.modelVersionEvals.evalRunId, String(res.out?.run)));
      expect(linked?.version).toBe(version);
    }
    // the human line names the version too
    const text = await keel([...gen, ...target, "--prompt", "cli-qa:2", "--wait"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("prompt cli-qa version 2");

    const before = await counts();
    const refused: [string[], RegExp][] = [
      [["--prompt", "cli-qa@nightly"], /^--prompt: label nightly of prompt cli-qa not found$/],
      [["--prompt", "cli-qa:7"], /^--prompt: version 7 of prompt cli-qa not found$/],
      [["--prompt", "nobody"], /^--prompt: .*nobody/],
      [["--prompt", "cli-qa:two"], /^--prompt cli-qa:two: the version after : must be a positive number$/],
      [["--prompt", "cli-qa", "--template", "{{input}}"], /^--prompt: give --template or --prompt, not both$/],
    ];
    for (const [flags, message] of refused) {
      const res = await keel([...gen, ...target, ...flags, "--json"]);
      expect(res.code, flags.join(" ")).toBe(2);
      expect(errorOf(res)).toMatch(message);
    }
    expect(await counts()).toEqual(before);
  });
});
