import type { Database } from "../db/client";
import { type EvalOptions, type Plan, planOf } from "./eval-plan";

/**
 * `keel eval run`: an eval run for CI. The data (a JSONL or CSV file, uploaded as a dataset version
 * in the run's own transaction, or a dataset version by name), a target, metrics and gates; with
 * --wait the run's end, its figures and each gate's verdict. Local mode works on the data dir or
 * DATABASE_URL (and runs the job here when no worker is online); remote mode (--url, --key) calls
 * a Keel's REST API. Exit codes: 0 passed, 1 a gate failed or the run did not succeed, 2 bad usage
 * (flags, the file, or a run the server refuses: a target it does not know, a placeholder a row lacks).
 * The flags become a plan in cli/eval-plan.ts.
 */

export type { EvalOptions } from "./eval-plan";

type Say = (human: string, data: unknown) => void;
/** The command's hooks into main.ts: its database opener and its usage error (exit 2). */
export interface EvalHooks {
  withDb: <T>(fn: (d: Database) => Promise<T>) => Promise<T>;
  usage: (message: string) => Error;
}

const FINISHED = new Set(["succeeded", "failed", "cancelled"]);
/** Refusals a changed command line fixes (the 4xx of a run's create): exit 2, not 1. */
const REFUSED = new Set([
  "BAD_REQUEST",
  "NOT_FOUND",
  "FORBIDDEN",
  "UNAUTHORIZED",
  "CONFLICT",
  "PAYLOAD_TOO_LARGE",
  "UNPROCESSABLE_CONTENT",
]);

/** The flag behind a refused input field, to name in the message (`target.template.text` -> --template). */
function flagOf(field: string | undefined): string | null {
  if (!field) return null;
  const flags: [RegExp, string][] = [
    [/^target\.template/, "--template"],
    [/^target\.prompt/, "--prompt"],
    [/^target/, "--target"],
    [/^rows/, "--data"],
    [/^dataset/, "--dataset"],
    [/^metrics/, "--scorer"],
    [/^scorers/, "--scorers"],
    [/^maxCost/, "--max-cost"],
    [/^name/, "--name"],
    [/^baseline/, "--baseline"],
    [/^project/, "--project"],
    [/^key/, "--key"],
  ];
  return flags.find(([re]) => re.test(field))?.[1] ?? null;
}
const refusal = (message: string, field?: string) => {
  const flag = flagOf(field);
  return flag && !message.startsWith(flag) ? `${flag}: ${message}` : message;
};

/** A run as both modes read it: the run row with its progress. */
interface RunView {
  id: string;
  name: string;
  status: string;
  error: string | null;
  aggregates: unknown;
  itemsDone?: number;
  itemsTotal?: number;
  /** the prompt version the run used: the run view's, else the stored target's (a run just created) */
  prompt?: { name: string; version: number; label?: string } | null;
  target?: unknown;
}

export async function evalCommand(sub: string | undefined, opts: EvalOptions, say: Say, hooks: EvalHooks): Promise<void> {
  if (sub !== "run") throw hooks.usage(`unknown eval command ${sub ?? ""}; use eval run`);
  const plan = await planOf(opts, hooks.usage);
  if (Boolean(opts.url) !== Boolean(opts.key)) throw hooks.usage("remote mode needs both --url URL and --key sk_...");
  const { run, baseline } = opts.url
    ? await remote(opts.url, opts.key as string, plan, hooks.usage)
    : await hooks.withDb((d) => local(d, plan, hooks.usage));
  await report(run, baseline, plan, say);
}

/** On this machine's database: the run created (with its data), and with --wait run here when no worker is online. */
async function local(d: Database, plan: Plan, usage: EvalHooks["usage"]): Promise<{ run: RunView; baseline: RunView | null }> {
  const [{ DomainError }, { findProjectBySlug, SYSTEM_ACTOR }, { createRunWithData, findRun, getRunWithProgress, runWithDataInput }] =
    await Promise.all([
      import("../server/core/errors"),
      import("../server/workspace"),
      import("../server/evals"),
      import("../server/routing"), // provides the live targets (deployments, model versions, routers) to evals
    ]);
  const refused = (err: unknown) => (err instanceof DomainError && REFUSED.has(err.code) ? usage(refusal(err.message, err.field)) : err);
  const project = await findProjectBySlug(d.db, plan.project);
  if (!project) throw usage(`--project ${plan.project}: no project with that slug`);
  const parsed = runWithDataInput.safeParse(plan.input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") ?? "input";
    throw usage(refusal(`${field}: ${issue?.message ?? "invalid"}`, field));
  }
  const baseline = plan.baseline
    ? await findRun(d.db, project.id, plan.baseline).catch((err) => {
        throw refused(err);
      })
    : null;
  const created = await createRunWithData(d.db, SYSTEM_ACTOR, project.id, parsed.data).catch((err) => {
    throw refused(err);
  });
  if (!plan.wait) return { run: created, baseline };
  const worker = await workerIfNone(d);
  try {
    let run = await getRunWithProgress(d.db, project.id, created.id);
    while (!FINISHED.has(run.status)) {
      await sleep(500);
      run = await getRunWithProgress(d.db, project.id, created.id);
    }
    return { run, baseline };
  } finally {
    if (worker) {
      await (await import("../server/logs")).flushIngest(); // the answers' traces, still batched in this process
      await worker.stop(5_000);
    }
  }
}

/**
 * Nobody can take the run: a worker in this process, for eval runs only, until the run ends (as `keel
 * tune start` does). It may take other queued eval runs meanwhile (none had a worker either); one it
 * has not finished when this run ends goes back to the queue.
 */
async function workerIfNone(d: Database) {
  const [{ workersAlive }, { startWorker }, { evalRunJob }, { logger }] = await Promise.all([
    import("../server/core/reclaim"),
    import("../server/core/worker"),
    import("../server/evals"),
    import("../server/core/logger"),
  ]);
  if (await workersAlive(d.db)) return null;
  // stdout carries the result; the worker's routine info lines would come between
  if (logger.isLevelEnabled("info")) logger.level = "warn";
  return startWorker({ url: d.url, jobs: [evalRunJob], concurrency: 2, pollIntervalMs: 250 });
}

/** Against a Keel's REST API with a secret key: the same procedure, then the run polled until it ends. */
async function remote(
  url: string,
  key: string,
  plan: Plan,
  usage: EvalHooks["usage"],
): Promise<{ run: RunView; baseline: RunView | null }> {
  const base = `${url.replace(/\/+$/, "")}/api/v1/projects/${encodeURIComponent(plan.project)}/evals`;
  const call = async (method: string, p: string, body?: unknown): Promise<unknown> => {
    let res: Response;
    try {
      res = await fetch(`${base}${p}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new Error(`${url} cannot be reached: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // an error page: its status says enough
    }
    if (res.ok) return json;
    const error = (json as { error?: { message?: string; field?: string } } | null)?.error;
    const message = error?.message ?? `${res.status} ${res.statusText}`;
    if (res.status >= 400 && res.status < 500 && res.status !== 429)
      throw usage(refusal(message, res.status === 401 ? "key" : error?.field));
    throw new Error(`${method} ${p}: ${message}`);
  };
  const baseline = plan.baseline ? await remoteRun(call, plan.baseline, usage) : null;
  let run = (await call("POST", "/runs/with-data", plan.input)) as RunView;
  if (!plan.wait) return { run, baseline };
  let failures = 0;
  while (!FINISHED.has(run.status)) {
    await sleep(1_000);
    try {
      run = (await call("GET", `/runs/${run.id}`)) as RunView;
      failures = 0;
    } catch (err) {
      if (++failures >= 5) throw err; // a restart of the server is waited out; a lasting outage is not
    }
  }
  return { run, baseline };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A run by id, or the newest succeeded run of that name (the list is newest first). */
async function remoteRun(call: (m: string, p: string) => Promise<unknown>, ref: string, usage: EvalHooks["usage"]): Promise<RunView> {
  if (UUID.test(ref)) return (await call("GET", `/runs/${ref}`)) as RunView;
  let cursor: string | null = null;
  do {
    const page = (await call("GET", `/runs?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`)) as {
      items: RunView[];
      nextCursor: string | null;
    };
    const hit = page.items.find((r) => r.name === ref && r.status === "succeeded");
    if (hit) return hit;
    cursor = page.nextCursor;
  } while (cursor);
  throw usage(`--baseline ${ref}: no succeeded eval run with that id or name`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A run's flat figures, keyed as its items' scores are (`rougeL.fmeasure`: the mean), and corpus scores as `corpus.bleu.score`. */
export function flatFigures(aggregates: unknown): Record<string, number> {
  const a = (aggregates ?? {}) as { means?: Record<string, { mean: number }>; corpus?: Record<string, { score?: unknown }> };
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(a.means ?? {}).sort(([x], [y]) => (x < y ? -1 : 1))) out[k] = v.mean;
  for (const [k, v] of Object.entries(a.corpus ?? {})) if (typeof v?.score === "number") out[`corpus.${k}.score`] = v.score;
  return out;
}

/** The figures as the gate grammar reads them: dotted paths into nested objects (server/evals/gates.ts). */
function gateFigures(aggregates: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries((aggregates as { means?: Record<string, { mean: number }> } | null)?.means ?? {})) {
    const keys = k.split(".");
    let node = out;
    for (const key of keys.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys[keys.length - 1] as string] = v.mean;
  }
  out.corpus = (aggregates as { corpus?: unknown } | null)?.corpus ?? {};
  return out;
}

/** The result line (or text), and the exit code: 1 when the run did not succeed or a gate failed. */
async function report(run: RunView, baseline: RunView | null, plan: Plan, say: Say) {
  const { evaluateGate } = await import("../server/evals");
  const metrics = flatFigures(run.aggregates);
  const gates = plan.rules.map((rule) => {
    try {
      const [r] = evaluateGate([rule], gateFigures(run.aggregates), baseline ? gateFigures(baseline.aggregates) : null).results;
      return { rule: r?.rule ?? rule, passed: r?.passed ?? false, actual: r?.actual ?? null };
    } catch (err) {
      // a figure the run does not have (a typo, a metric not asked for): the gate fails, saying why
      console.error(`keel: gate ${JSON.stringify(rule)}: ${(err as Error).message}`);
      return { rule, passed: false, actual: null };
    }
  });
  const p = run.prompt ?? (run.target as { prompt?: RunView["prompt"] } | undefined)?.prompt ?? null;
  const prompt = p ? { name: p.name, version: p.version } : null;
  const using = prompt ? ` with prompt ${prompt.name}:${prompt.version}` : "";
  if (!plan.wait) {
    say(`eval run ${run.name} queued${using} (${run.id})`, {
      run: run.id,
      status: run.status,
      ...(prompt ? { prompt } : {}),
      metrics,
      gates,
    });
    return;
  }
  const items = run.itemsTotal !== undefined ? `: ${run.itemsDone} of ${run.itemsTotal} items` : "";
  const lines = [
    `eval run ${run.name} (${run.id}) ${run.status}${items}${run.error ? ` (${run.error})` : ""}`,
    ...(prompt ? [`  prompt ${prompt.name} version ${prompt.version}`] : []),
    ...Object.entries(metrics).map(([k, v]) => `  ${k.padEnd(24)} ${Number.isInteger(v) ? v : v.toFixed(4)}`),
    ...gates.map((g) => `  ${g.passed ? "PASS" : "FAIL"} ${g.rule}${g.actual === null ? "" : ` (${+g.actual.toFixed(4)})`}`),
  ];
  say(lines.join("\n"), { run: run.id, status: run.status, ...(prompt ? { prompt } : {}), metrics, gates });
  if (run.status !== "succeeded" || gates.some((g) => !g.passed)) process.exitCode = 1;
}
