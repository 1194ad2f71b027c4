import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { ingestBatch } from "../../server/logs";
import { registerBundled } from "../../server/registry";
import { SYSTEM_ACTOR } from "../../server/workspace";
import { makeProject } from "../factories/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";
import { runKeel } from "../helpers/keel-cli";

const DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "keel-cli-tune-"));
const SENTIMENT = path.resolve("test/fixtures/tuning/sentiment.tsv.gz"); // a copy of shared/datasets/sentiment.tsv.gz
let d: TestDatabase;
let slug: string;
let projectId: string;

beforeAll(async () => {
  d = await freshDatabase();
  const p = await makeProject(d.db);
  slug = p.project.slug;
  projectId = p.project.id;
  await registerBundled(d.db, SYSTEM_ACTOR, p.project.id, path.resolve("models"));
});
afterAll(async () => {
  await d.drop();
  fs.rmSync(DATA_DIR, { recursive: true, force: true });
});

const keel = (...args: string[]) => runKeel([...args, "--json"], { DATABASE_URL: d.url, LOG_LEVEL: "silent", KEEL_DATA_DIR: DATA_DIR });

/** A small TSV in the sentiment file's own layout (label, split, text; no header): 150 rows a label in train, 50 in test. */
function smallTsv(): string {
  const lines = gunzipSync(fs.readFileSync(SENTIMENT)).toString("utf8").trim().split("\n");
  const taken = new Map<string, number>();
  const keep = lines.filter((l) => {
    const [label, split] = l.split("\t");
    const k = `${split}:${label}`;
    const n = taken.get(k) ?? 0;
    if (n >= (split === "train" ? 150 : 50)) return false;
    taken.set(k, n + 1);
    return true;
  });
  const file = path.join(DATA_DIR, "reviews.tsv");
  fs.writeFileSync(file, `${keep.join("\n")}\n`);
  return file;
}

describe("keel tune start", () => {
  it("uploads a TSV as a dataset version, runs a head job (here, as no worker is online) and prints the result", async () => {
    const res = await keel(
      "tune",
      "start",
      "--project",
      slug,
      "--base",
      "tiny-bert-embed@production",
      "--data",
      smallTsv(),
      "--method",
      "head",
      "--epochs",
      "4",
      "--wait",
    );
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(res.out).toMatchObject({ status: "succeeded", model: "tiny-bert-embed-head", version: 1, worker: { remote: false } });
    const metrics = res.out?.metrics as Record<string, number>;
    expect(metrics.test_examples).toBe(100);
    expect(metrics.train_examples).toBe(300);
    expect(metrics.test_accuracy).toBeGreaterThan(0.5);
  }, 120_000);

  it("builds the dataset from logged traces with --from-logs (tags, a rating condition, a held-out share) and queues the job", async () => {
    const tag = `cli-logs-${Date.now()}`;
    const events = ["loved it", "hated it", "loved it", "great", "awful", "meh"].flatMap((text, i) => [
      { type: "trace", id: `${tag}-${i}`, body: { name: "review", tags: [tag], input: text, output: i % 2 ? "negative" : "positive" } },
      { type: "rating", body: { traceId: `${tag}-${i}`, name: "checked", value: i === 5 ? 0 : 1 } },
    ]);
    expect((await ingestBatch(d.db, projectId, events, { source: "api" })).filter((r) => r.status !== 201)).toEqual([]);
    const args = ["tune", "start", "--project", slug, "--base", "tiny-bert-embed", "--method", "head", "--tags", tag];
    const res = await keel(...args, "--from-logs", "cli-reviews", "--rating", "checked>=1", "--held-out", "0.25", "--max-steps", "5");
    expect(res.out).toMatchObject({ error: { field: "hyperparameters.maxSteps" } }); // head has no maxSteps: the flag reaches the job
    const queued = await keel(...args, "--from-logs", "cli-reviews", "--rating", "checked>=1", "--held-out", "0.25");
    expect(queued.code).toBe(0);
    expect(queued.out).toMatchObject({ status: "queued" });
    const [version] = await d.db
      .select()
      .from(schema.datasetVersions)
      .innerJoin(schema.datasets, eq(schema.datasets.id, schema.datasetVersions.datasetId))
      .where(eq(schema.datasets.name, "cli-reviews"));
    // "loved it" twice: deduplicated; the one rated 0 left out
    expect(version?.dataset_versions).toMatchObject({
      rowCount: 4,
      source: { kind: "logs", format: "traces", dedupe: true, heldOut: 0.25, rating: { name: "checked", min: 1 }, filter: { tags: [tag] } },
    });

    const badRating = await keel(...args, "--from-logs", "x", "--rating", "checked>1");
    expect(badRating.out).toMatchObject({ error: { code: "BAD_REQUEST", field: "rating" } });
    const both = await keel(...args, "--from-logs", "x", "--data", "reviews");
    expect(both.out).toMatchObject({ error: { code: "BAD_REQUEST", field: "data" } });
  }, 60_000);

  it("names what is wrong and exits 1: hyperparameters out of range, a base the method cannot train, a missing file", async () => {
    const epochs = await keel("tune", "start", "--project", slug, "--base", "tiny-bert-embed", "--data", "reviews", "--epochs", "0");
    expect(epochs.code).toBe(1);
    expect(epochs.out).toMatchObject({ error: { code: "BAD_REQUEST", field: "hyperparameters.epochs" } });
    const base = await keel("tune", "start", "--project", slug, "--base", "tiny-gpt2", "--data", "reviews", "--method", "head");
    expect(base.out).toMatchObject({ error: { code: "BAD_REQUEST", field: "base" } });
    const missing = await keel("tune", "start", "--project", slug, "--base", "tiny-bert-embed", "--data", "no/such/file.tsv");
    expect(missing.out).toMatchObject({ error: { code: "NOT_FOUND", field: "data" } });
    // a file with a job refused: its upload is rolled back with it
    const file = path.join(DATA_DIR, "refused.tsv");
    fs.writeFileSync(file, "1\ttrain\tgood\n0\ttrain\tbad\n");
    const refused = await keel("tune", "start", "--project", slug, "--base", "tiny-bert-embed", "--data", file, "--epochs", "0");
    expect(refused.out).toMatchObject({ error: { code: "BAD_REQUEST", field: "hyperparameters.epochs" } });
    expect(await d.db.$count(schema.datasets, eq(schema.datasets.name, "refused"))).toBe(0);
  }, 60_000);
});
