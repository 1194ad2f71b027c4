import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { enqueue } from "../../server/core/queue";
import { startWorker, type WorkerHandle } from "../../server/core/worker";
import { addVersion, parseDataset } from "../../server/datasets";
import { driftRunJob, driftTickJob } from "../../server/drift";
import { applyRetention } from "../../server/drift/runs";
import { deliverWebhookJob, registerBundled } from "../../server/registry";
import { verifySignature } from "../../server/registry/webhook-signing";
import { type AgentHandle, startTuningAgent } from "../../server/tuning";
import { headTrainer } from "../../server/tuning/run-head";
import { type Principal, SYSTEM_ACTOR, setInstanceSetting } from "../../server/workspace";
import { callerFor, makeMember, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { waitFor } from "../helpers/wait";
import { seedWindows } from "./traffic";

const SENTIMENT = path.resolve("test/fixtures/tuning/sentiment.tsv.gz");
let d: TestDatabase;
let projectId: string;
let owner: Principal;
let worker: WorkerHandle;
let agent: AgentHandle;
let receiver: http.Server;
let base: string;
const received: { path: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
const now = new Date();
const day = 86_400_000;
const api = (p: Principal = owner) => callerFor(d.db, p);

const config = {
  source: { kind: "traffic", filter: { tags: ["shifted"] } },
  columns: [{ name: "latency_ms" }, { name: "output_tokens" }, { name: "metadata.region", type: "categorical" }],
  reference: { kind: "range", from: new Date(now.getTime() - 10 * day).toISOString(), to: new Date(now.getTime() - 3 * day).toISOString() },
  current: { kind: "sliding", window: "day" },
};

/** Rows of the shared sentiment set, labelled, as dataset JSONL: what a retraining trains on. */
function sentimentJsonl(perClass: number): string {
  const taken = new Map<string, number>();
  const out: string[] = [];
  for (const line of gunzipSync(fs.readFileSync(SENTIMENT)).toString("utf8").trim().split("\n")) {
    const [label, split, text] = line.split("\t") as [string, string, string];
    const k = `${split}:${label}`;
    if ((taken.get(k) ?? 0) >= perClass) continue;
    taken.set(k, (taken.get(k) ?? 0) + 1);
    out.push(JSON.stringify({ input: text, references: [label === "1" ? "positive" : "negative"], metadata: { split } }));
  }
  return out.join("\n");
}

const retrain = (outputModel: string) => ({
  method: "head",
  base: { model: "tiny-bert-embed" },
  dataset: { name: "labelled" },
  outputModel,
  hyperparameters: { epochs: 2 },
  seed: 1,
});

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  // loopback targets: allowed through the instance setting (server/core/egress.ts refuses them by default)
  await setInstanceSetting(d.db, SYSTEM_ACTOR, "egress.allow", ["127.0.0.0/8"]);
  const p = await makeProject(d.db);
  projectId = p.project.id;
  owner = p.owner.principal;
  await seedWindows(d.db, projectId, { now, tag: "shifted", reference: 300, current: 150, shift: 1, seeds: [1, 2], prefix: "s" });
  await registerBundled(d.db, SYSTEM_ACTOR, projectId, path.resolve("models"));
  await addVersion(d.db, SYSTEM_ACTOR, projectId, "labelled", parseDataset(Buffer.from(sentimentJsonl(100)), "jsonl"), {
    kind: "upload",
    format: "jsonl",
    filename: null,
  });
  worker = await startWorker({ url: d.url, jobs: [deliverWebhookJob, driftTickJob, driftRunJob], pollIntervalMs: 200 });
  agent = await startTuningAgent({ db: d.db, trainers: { head: headTrainer }, capabilities: { gpus: [] }, pollMs: 200, heartbeatMs: 300 });
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ path: req.url ?? "/", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await agent?.stop();
  await worker?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
  await d?.drop();
});

describe("drift alerts, webhooks and retraining", () => {
  it("fires the rules that match, delivers a signed drift.alert webhook, and silences and acknowledges", async () => {
    const hook = await api().registry.webhooks.create({ projectId, url: `${base}/hook`, events: ["drift.alert"] });
    const m = await api().drift.monitors.create({ projectId, name: "alerting", config });
    const onDrift = await api().drift.rules.create({
      projectId,
      monitor: m.id,
      rule: { name: "any drift", condition: { kind: "dataset_drift" } },
    });
    await api().drift.rules.create({ projectId, monitor: m.id, rule: { name: "twice", condition: { kind: "consecutive", runs: 2 } } });
    const silenced = await api().drift.rules.create({
      projectId,
      monitor: m.id,
      rule: { name: "quiet", condition: { kind: "dataset_drift" } },
    });
    await api().drift.rules.update({ projectId, ruleId: silenced.id, patch: {}, silencedUntil: new Date(Date.now() + 3600_000) });

    const first = await api().drift.monitors.run({ projectId, monitor: m.id });
    expect(first.verdict).toBe("drift");
    let alerts = (await api().drift.alerts.list({ projectId, monitor: m.id, limit: 50 })).items;
    expect(alerts.map((a) => a.ruleName)).toEqual(["any drift"]);
    const second = await api().drift.monitors.run({ projectId, monitor: m.id });
    alerts = (await api().drift.alerts.list({ projectId, monitor: m.id, limit: 50 })).items;
    expect(alerts.map((a) => `${a.ruleName}#${a.runNumber}`).sort()).toEqual(["any drift#1", "any drift#2", "twice#2"]);

    const delivered = await waitFor("three drift.alert deliveries", async () =>
      received.filter((r) => r.path === "/hook").length >= 3 ? received : null,
    );
    const body = JSON.parse(delivered[0]?.body ?? "{}") as { event: string; data: Record<string, unknown> };
    expect(body.event).toBe("drift.alert");
    expect(body.data).toMatchObject({ monitor: { id: m.id, name: "alerting" }, verdict: "drift" });
    const drifted = body.data.driftedColumns as { name: string; value: number }[];
    expect(drifted.length).toBe(second.driftedCount);
    expect(verifySignature(hook.secret, delivered[0]?.body ?? "", delivered[0]?.headers["x-keel-signature"] as string)).toMatchObject({
      ok: true,
    });

    const ack = await api().drift.alerts.acknowledge({ projectId, alertId: alerts[0]?.id ?? "" });
    expect(ack.status).toBe("acknowledged");
    expect((await api().drift.alerts.list({ projectId, status: "open", limit: 50 })).items.length).toBe(2);
    const viewer = await makeMember(d.db, projectId, "viewer");
    await expect(api(viewer.principal).drift.alerts.acknowledge({ projectId, alertId: alerts[1]?.id ?? "" })).rejects.toThrow(/engineer/);
    await expect(
      api().drift.rules.create({ projectId, monitor: m.id, rule: { name: "col", condition: { kind: "column", column: "nope" } } }),
    ).rejects.toThrow(/condition.column: nope is not a column/);
    expect(alerts.every((a) => a.ruleId !== silenced.id)).toBe(true);
    expect(alerts.some((a) => a.ruleId === onDrift.id)).toBe(true);
  });

  it("proposes a retraining that waits for an approver, trains once approved, with lineage back to the drift run", async () => {
    const m = await api().drift.monitors.create({ projectId, name: "retraining", config });
    await expect(
      api().drift.rules.create({
        projectId,
        monitor: m.id,
        rule: { name: "bad", condition: { kind: "dataset_drift" }, retrain: { ...retrain("x"), method: "magic" } },
      }),
    ).rejects.toThrow(/retrain.method/);
    await expect(
      api().drift.rules.create({
        projectId,
        monitor: m.id,
        rule: { name: "bad", condition: { kind: "dataset_drift" }, retrain: { ...retrain("x"), hyperparameters: { epochs: 0 } } },
      }),
    ).rejects.toThrow(/hyperparameters.epochs/);
    await api().drift.rules.create({
      projectId,
      monitor: m.id,
      rule: { name: "retrain", condition: { kind: "dataset_drift" }, retrain: retrain("sentiment-drift") },
    });
    const run = await api().drift.monitors.run({ projectId, monitor: m.id });
    const [alert] = (await api().drift.alerts.list({ projectId, monitor: m.id, limit: 5 })).items;
    expect(alert?.retrainError).toBeNull();
    const jobId = alert?.tuningJobId as string;
    expect(jobId).toBeTruthy();
    const proposed = await api().tuning.get({ projectId, job: jobId });
    expect(proposed.status).toBe("awaiting_approval");
    expect(proposed.trigger).toMatchObject({ kind: "drift", monitorId: m.id, runId: run.id, runNumber: 1 });
    // nothing trains without the approval: the worker leaves it alone
    await new Promise((r) => setTimeout(r, 1000));
    expect((await api().tuning.get({ projectId, job: jobId })).status).toBe("awaiting_approval");
    // no approval policy on the output model: admins decide, an engineer may not
    const engineer = await makeMember(d.db, projectId, "engineer");
    await expect(api(engineer.principal).tuning.decide({ projectId, job: jobId, decision: "approve" })).rejects.toThrow(/admin/);
    const started = await api().tuning.decide({ projectId, job: jobId, decision: "approve", reason: "traffic moved" });
    expect(started.status).toBe("queued");
    expect(started.decision).toMatchObject({ decision: "approved", reason: "traffic moved" });
    await expect(api().tuning.decide({ projectId, job: jobId, decision: "reject" })).rejects.toThrow(/only a proposed job/);
    const done = await waitFor(
      "the approved retraining to succeed",
      async () => {
        const j = await api().tuning.get({ projectId, job: jobId });
        if (j.status === "failed") throw new Error(j.error ?? "failed");
        return j.status === "succeeded" ? j : null;
      },
      120_000,
    );
    const lineage = await api().registry.versions.lineage({ projectId, model: "sentiment-drift", version: done.result?.version ?? 0 });
    const drift = lineage.nodes.find((n) => n.kind === "drift");
    expect(drift?.id).toBe(`drift:${m.id}:${run.id}`);
    expect(lineage.edges).toContainEqual({ from: drift?.id, to: `job:${jobId}`, label: "proposed" });

    // a policy on the output model names its approvers; a rejection ends the next proposal
    await api().registry.approvals.setPolicy({
      projectId,
      model: "sentiment-drift",
      aliases: ["production"],
      requiredApprovals: 1,
      approverRoles: ["engineer"],
      gateIds: [],
    });
    await api().drift.monitors.run({ projectId, monitor: m.id });
    const next = (await api().drift.alerts.list({ projectId, monitor: m.id, limit: 5 })).items[0];
    const rejected = await api(engineer.principal).tuning.decide({ projectId, job: next?.tuningJobId as string, decision: "reject" });
    expect(rejected.status).toBe("rejected");
  });

  it("builds a fromLogs retraining from the run's current window, and notes a refused proposal on the alert", async () => {
    const m = await api().drift.monitors.create({ projectId, name: "from-logs", config });
    await api().drift.rules.create({
      projectId,
      monitor: m.id,
      rule: {
        name: "from logs",
        condition: { kind: "dataset_drift" },
        retrain: { method: "head", base: { model: "tiny-bert-embed" }, fromLogs: { name: "drift-window", filter: { tags: ["shifted"] } } },
      },
    });
    const run = await api().drift.monitors.run({ projectId, monitor: m.id });
    expect(run.verdict).toBe("drift");
    const [alert] = (await api().drift.alerts.list({ projectId, monitor: m.id, limit: 5 })).items;
    // every answer in the window is the same text: a head needs two labels, so no job, and the alert says why
    expect(alert?.tuningJobId).toBeNull();
    expect(alert?.retrainError).toMatch(/at least 2 labels/);
    // and the refused proposal left no dataset version behind
    expect(await d.db.$count(schema.datasets, eq(schema.datasets.name, "drift-window"))).toBe(0);
  });

  it("runs monitors by their schedule through the tick job, once per due time", async () => {
    const m = await api().drift.monitors.create({ projectId, name: "scheduled", schedule: "*/5 * * * *", config });
    expect(m.nextRunAt?.getTime() ?? 0).toBeGreaterThan(Date.now());
    await d.db
      .update(schema.driftMonitors)
      .set({ nextRunAt: new Date(Date.now() - 1000) })
      .where(eq(schema.driftMonitors.id, m.id));
    await enqueue(d.db, driftTickJob, {});
    await enqueue(d.db, driftTickJob, {}); // a second tick finds nothing due
    const runs = await waitFor("a scheduled run", async () => {
      const page = await api().drift.runs.list({ projectId, monitor: m.id, limit: 5 });
      return page.items.length ? page.items : null;
    });
    expect(runs[0]?.trigger).toBe("schedule");
    await new Promise((r) => setTimeout(r, 1500));
    expect((await api().drift.runs.list({ projectId, monitor: m.id, limit: 5 })).items.length).toBe(1);
    const after = await api().drift.monitors.get({ projectId, monitor: m.id });
    expect(after.nextRunAt?.getTime() ?? 0).toBeGreaterThan(Date.now());
  });

  it("deletes runs past retention but keeps each monitor's newest", async () => {
    const m = await api().drift.monitors.create({ projectId, name: "retained", retentionDays: 7, config });
    for (let i = 0; i < 3; i++) await api().drift.monitors.run({ projectId, monitor: m.id });
    await d.db.execute(sql`UPDATE drift_runs SET created_at = now() - interval '30 days' WHERE monitor_id = ${m.id}`);
    await applyRetention(d.db);
    const left = await api().drift.runs.list({ projectId, monitor: m.id, limit: 10 });
    expect(left.items.map((r) => r.number)).toEqual([3]);
  });
});
