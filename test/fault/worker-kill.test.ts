import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database, schema } from "../../db/client";
import { addVersion, parseDataset } from "../../server/datasets";
import { registerBundled } from "../../server/registry";
import { createJob } from "../../server/tuning";
import { SYSTEM_ACTOR } from "../../server/workspace";
import { makeProject } from "../factories/workspace";
import { waitFor } from "../helpers/wait";
import { type Keel, killQuietly, ownDatabase, spawnKeel } from "./processes";

/**
 * A `keel worker` killed (`kill -9`) in the middle of a tuning job: another worker finds it lost (no
 * heartbeat for 15 s), the job goes back to the queue and runs again, and exactly one model version
 * is registered for it.
 */
const SENTIMENT = path.resolve(import.meta.dirname, "../fixtures/tuning/sentiment.tsv.gz");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-fault-worker-"));
let db: { url: string; drop: () => Promise<void> };
let database: Database;
let projectId: string;
const workers: Keel[] = [];

function sentimentJsonl(perClass: number): string {
  const taken = new Map<string, number>();
  const out: string[] = [];
  for (const line of gunzipSync(fs.readFileSync(SENTIMENT)).toString("utf8").trim().split("\n")) {
    const [label, split, text] = line.split("\t") as [string, string, string];
    const k = `${split}:${label}`;
    if ((taken.get(k) ?? 0) >= (split === "train" ? perClass : 100)) continue;
    taken.set(k, (taken.get(k) ?? 0) + 1);
    out.push(JSON.stringify({ input: text, references: [label === "1" ? "positive" : "negative"], metadata: { split } }));
  }
  return out.join("\n");
}

beforeAll(async () => {
  db = await ownDatabase();
  database = createDatabase(db.url, { max: 2 });
  const p = await makeProject(database.db);
  projectId = p.project.id;
  await registerBundled(database.db, SYSTEM_ACTOR, projectId, path.resolve(import.meta.dirname, "../../models"));
  const rows = parseDataset(Buffer.from(sentimentJsonl(200)), "jsonl");
  await addVersion(database.db, SYSTEM_ACTOR, projectId, "sentiment", rows, { kind: "upload", format: "jsonl", filename: "s.jsonl" });
});
afterAll(async () => {
  for (const w of workers) killQuietly(w.child);
  await database?.close();
  await db?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const worker = async () => {
  const w = await spawnKeel(["worker"], { DATABASE_URL: db.url, KEEL_DATA_DIR: dataDir }, "workerId");
  workers.push(w);
  return w;
};
const jobRow = async (id: string) => (await database.db.select().from(schema.tuningJobs).where(eq(schema.tuningJobs.id, id)))[0];

describe("worker killed mid-job", () => {
  it("requeues the job, which another worker finishes, registering exactly one version", async () => {
    const job = await createJob(database.db, SYSTEM_ACTOR, projectId, {
      method: "head",
      base: { model: "tiny-bert-embed" },
      dataset: { name: "sentiment" },
      hyperparameters: {},
      seed: 1,
    });
    const first = await worker();
    await waitFor("the first worker to start the job", async () => (await jobRow(job.id))?.status === "running", 90_000);
    const t0 = Date.now();
    first.child.kill("SIGKILL");
    await first.exited;

    await worker();
    const done = await waitFor(
      "the job to finish on the second worker",
      async () => {
        const row = await jobRow(job.id);
        if (row?.status === "failed") throw new Error(`job failed: ${row.error}`);
        return row?.status === "succeeded" ? row : null;
      },
      120_000,
    );
    const versions = await database.db.select().from(schema.modelVersions).where(eq(schema.modelVersions.tuningJobId, job.id));
    const logs = await database.db.select().from(schema.tuningJobLogs).where(eq(schema.tuningJobLogs.jobId, job.id));
    console.log(
      `[fault] worker kill -9 mid-job: requeued and finished ${((Date.now() - t0) / 1000).toFixed(1)} s after the kill, attempt ${done.attempt}`,
    );
    expect(done.attempt).toBe(2);
    expect(logs.some((l) => l.line.includes("worker lost (no heartbeat); job requeued"))).toBe(true);
    expect(versions).toHaveLength(1);
  });
});
