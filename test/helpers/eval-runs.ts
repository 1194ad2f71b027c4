import fs from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, expect } from "vitest";
import { type Db, schema } from "../../db/client";
import { handleV1 } from "../../server/http/v1";
import { registerBundled } from "../../server/registry";
import { SYSTEM_ACTOR } from "../../server/workspace";
import { makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "./db";
import { type CliResult, runKeel } from "./keel-cli";
import { waitFor } from "./wait";

/**
 * Eval-run tests' shared parts: a loopback OpenAI-compatible upstream, a dataset upload, a run's end;
 * and the setup of the `keel eval run` tests (test/cli/eval-run*.test.ts).
 */

export interface UpstreamCall {
  model: string;
  url: string;
  body: Record<string, unknown> & { model: string; messages?: { content: string }[]; prompt?: string };
}

/** What the upstream answers a call: a status and a JSON body (undefined: nothing, the socket was closed). */
export type Answer = { status: number; body: unknown } | undefined;

/** A loopback upstream whose answers `answer` decides; every call is recorded in order. */
export async function startUpstream(answer: (call: UpstreamCall, rq: IncomingMessage) => Answer | Promise<Answer>) {
  const calls: UpstreamCall[] = [];
  const server = createServer((rq, res) => {
    const chunks: Buffer[] = [];
    rq.on("data", (c: Buffer) => chunks.push(c));
    rq.on("end", async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as UpstreamCall["body"];
      const call = { model: body.model, url: rq.url ?? "", body };
      calls.push(call);
      const a = await answer(call, rq);
      if (a && !res.destroyed) send(res, a.status, a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/** An OpenAI chat or completion answer with `text`, 5 + 5 tokens of usage. */
export function answerOf(call: UpstreamCall, text: string, usage = { prompt_tokens: 5, completion_tokens: 5 }): Answer {
  const u = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
  if (call.url === "/v1/completions")
    return {
      status: 200,
      body: {
        id: "cmpl-1",
        object: "text_completion",
        created: 1,
        model: call.model,
        choices: [{ index: 0, text, finish_reason: "stop", logprobs: null }],
        usage: u,
      },
    };
  return {
    status: 200,
    body: {
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1,
      model: call.model,
      choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop", logprobs: null }],
      usage: u,
    },
  };
}

/**
 * The echo upstream: answers with the call's last message (or prompt) sent back ("echo" model);
 * "flaky" fails the first try of each message with a 503; "down" always fails; "slow" echoes after 200 ms.
 */
export function startEchoUpstream() {
  const seen = new Set<string>();
  return startUpstream(async (call) => {
    const content = call.body.messages?.at(-1)?.content ?? call.body.prompt ?? "";
    const first = !seen.has(`${call.model}:${content}`);
    seen.add(`${call.model}:${content}`);
    if (call.model === "down" || (call.model === "flaky" && first))
      return { status: 503, body: { error: { message: "upstream is busy", type: "server_error" } } };
    if (call.model === "slow") await new Promise((r) => setTimeout(r, 200));
    return answerOf(call, content);
  });
}

/** Upload JSONL rows as a version of dataset `name` over the REST API (201 expected). */
export async function uploadRows(projectSlug: string, key: string, name: string, lines: unknown[]): Promise<{ id: string }> {
  const body = lines.map((l) => JSON.stringify(l)).join("\n");
  const res = await handleV1(req(`/api/v1/projects/${projectSlug}/datasets/${name}/versions?format=jsonl`, { method: "POST", key, body }));
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string };
}

/** The run once it has ended (succeeded, failed or cancelled). */
export function runEnded(db: Db, runId: string) {
  return waitFor("the eval run", async () => {
    const [run] = await db
      .select()
      .from(schema.evalRuns)
      .where(and(eq(schema.evalRuns.id, runId), sql`${schema.evalRuns.status} IN ('succeeded', 'failed', 'cancelled')`));
    return run;
  });
}

/** Rows with references and stored predictions (`--target predictions`), for the `keel eval run` tests. */
export const EVAL_ROWS = [
  { input: "the cat sat on the mat", references: ["the cat sat on the mat"], prediction: "the cat sat on the mat" },
  { input: "a dog ran in the park", references: ["a dog ran in the park", "a dog ran"], prediction: "a dog ran in a park" },
  { input: { q: "capital of France" }, references: ["Paris"], prediction: "paris" },
  { input: { q: "two plus two" }, references: ["4", "four"], prediction: "four" },
];

/** A `keel --json` refusal's message. */
export const errorOf = (r: CliResult) => (r.out?.error as { message?: string } | undefined)?.message;

/**
 * The `keel eval run` tests' setup, registered as beforeAll/afterAll of the calling file: a fresh
 * database with a project and the bundled models, a data dir for the files the commands read, and
 * `keel` run as a child process on both. `d`, `slug`, `projectId` and `ownerId` are set once the
 * file's beforeAll has run.
 */
export function evalCliSetup() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-cli-eval-"));
  const t = {
    d: undefined as unknown as TestDatabase,
    slug: "",
    projectId: "",
    ownerId: "",
    keel: (args: string[], env: Record<string, string> = {}) =>
      runKeel(args, { DATABASE_URL: t.d.url, LOG_LEVEL: "silent", KEEL_DATA_DIR: dataDir, ...env }),
    /** A JSONL file of `rows` in the data dir. */
    file(name: string, rows: unknown[]): string {
      const f = path.join(dataDir, name);
      fs.writeFileSync(f, `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`);
      return f;
    },
    /** A scorers file as --scorers takes it: a JSON array of scorer configs. */
    scorersFile(name: string, value: unknown): string {
      const f = path.join(dataDir, name);
      fs.writeFileSync(f, JSON.stringify(value));
      return f;
    },
    /** How many datasets, versions, rows, runs and jobs there are: a refusal must write none. */
    async counts() {
      const [row] = await t.d.db.execute<Record<string, number>>(sql`SELECT
        (SELECT count(*)::int FROM datasets) AS datasets, (SELECT count(*)::int FROM dataset_versions) AS versions,
        (SELECT count(*)::int FROM dataset_rows) AS rows, (SELECT count(*)::int FROM eval_runs) AS runs,
        (SELECT count(*)::int FROM jobs) AS jobs`);
      return row;
    },
    /** The stored run of a result line's `run`. */
    async run(id: unknown) {
      const [row] = await t.d.db
        .select()
        .from(schema.evalRuns)
        .where(eq(schema.evalRuns.id, String(id)));
      return row;
    },
    /** The job that ran (or waits to run) the stored run of a result line's `run`. */
    async jobOf(id: unknown) {
      const stored = await t.run(id);
      const [job] = await t.d.db
        .select()
        .from(schema.jobs)
        .where(eq(schema.jobs.id, stored?.jobId ?? ""));
      return job;
    },
  };
  beforeAll(async () => {
    t.d = await freshRuntimeDatabase();
    const p = await makeProject(t.d.db);
    t.slug = p.project.slug;
    t.projectId = p.project.id;
    t.ownerId = p.owner.user.id;
    await registerBundled(t.d.db, SYSTEM_ACTOR, t.projectId, path.resolve("models"));
  });
  afterAll(async () => {
    await t.d.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return t;
}
