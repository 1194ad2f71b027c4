import { randomUUID } from "node:crypto";
import { DomainError } from "../core/errors";
import { uuidv7 } from "../core/ids";
import { type GenerateOptions, generate, type ModelSource, type PromptToken, type ResolvedDeployment } from "../serving";
import { GatewayError } from "./service-contract";
import { callCost, type GatewayContext, type GatewayResult } from "./service-gateway";
import type { Choice, Shape, Usage } from "./service-local-shapes";
import { type CallTags, logCall } from "./service-log";

/**
 * How a local call runs and is traced (service-local.ts builds the calls): its generations, whole
 * or streamed as SSE, the fields every local call's trace shares, and serving errors in OpenAI's shape.
 */

export interface LogBase {
  kind: string;
  start: Date;
  tags: CallTags;
  input: unknown;
}

/** A serving DomainError (bad option, model not loadable) in OpenAI's shape; anything else as it is (a 500). */
export function asGatewayError(err: unknown, d: ResolvedDeployment): unknown {
  if (!(err instanceof DomainError)) return err;
  const status = err.code === "NOT_FOUND" ? 404 : err.code === "BAD_REQUEST" || err.code === "PRECONDITION_FAILED" ? 400 : 500;
  if (status === 500) return err;
  return new GatewayError(status, `deployment ${d.name}: ${err.message}`, "invalid_request_error", err.field ?? "model");
}

const sse = (chunk: unknown) => new TextEncoder().encode(`data: ${JSON.stringify(chunk)}\n\n`);

/** One generation of a call: its options, its choice index, whether it counts its prompt's tokens (once per prompt, not per `n`). */
export interface Job {
  opts: GenerateOptions;
  index: number;
  countsPrompt: boolean;
  prefix: string;
  /** completions' `echo` with `logprobs`: the prompt's tokens and their log-probabilities */
  echo?: { tokens: PromptToken[]; offset: number };
}

/** What every local call's trace says besides its result: project, deployment, the model version it ran, the route. */
export function traceBase(c: GatewayContext, d: ResolvedDeployment, source: ModelSource, log: LogBase) {
  return {
    projectId: c.projectId,
    deployment: d.name,
    model: d.modelName ?? d.name,
    provider: "keel",
    modelVersionId: source.versionId ?? null,
    routeDecision: c.route ?? null,
    promptVersionId: c.promptVersionId ?? null,
    keyId: c.keyId ?? null,
    ...log,
  };
}

const usageOf = (choices: Choice[], jobs: Job[]): Usage => {
  let prompt = 0;
  let completion = 0;
  for (const [i, ch] of choices.entries()) {
    if (jobs[i]?.countsPrompt) prompt += ch.promptTokens;
    completion += ch.completionTokens;
  }
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
};

/**
 * Run a call's generations (n per prompt; concurrent, so the batcher runs them as one batch), whole
 * or as SSE, and log the call under a trace id made first (the stream's headers carry it).
 */
export async function runGeneration(
  c: GatewayContext,
  d: ResolvedDeployment,
  source: ModelSource,
  call: { jobs: Job[]; shape: Shape; stream: boolean; includeUsage: boolean },
  log: LogBase,
): Promise<GatewayResult> {
  const { jobs, shape } = call;
  const traceId = uuidv7();
  const id = `${call.stream ? "chunk" : "cmpl"}-${randomUUID()}`;
  const base = traceBase(c, d, source, log);
  const choiceOf = (j: Job, r: Awaited<ReturnType<typeof generate>>): Choice => ({
    ...r,
    index: j.index,
    prefix: j.prefix,
    ...(j.echo ? { echo: j.echo } : {}),
  });
  const done = (choices: Choice[] | null, firstToken: Date | null, error?: string) => {
    const usage = choices ? usageOf(choices, jobs) : null;
    const first = choices?.[0];
    logCall(
      c.db,
      {
        ...base,
        usage: { input: usage?.prompt_tokens ?? 0, output: usage?.completion_tokens ?? 0 },
        cost: usage ? callCost(d, { input: usage.prompt_tokens, output: usage.completion_tokens }) : 0,
        end: new Date(),
        firstToken,
        output: choices ? shape.output(choices) : null,
        status: error ? "error" : "ok",
        error,
        metadata: first
          ? {
              batchSize: Math.max(...(choices ?? []).map((x) => x.batchSize)),
              batchWaitMs: Math.round(Math.max(...(choices ?? []).map((x) => x.waitMs))),
              meanLogprob: first.meanLogprob,
              finishReason: first.finishReason,
              ...(jobs.length > 1 ? { choices: jobs.length } : {}),
            }
          : {},
      },
      traceId,
    );
  };
  if (!call.stream) {
    let choices: Choice[];
    try {
      choices = await Promise.all(jobs.map(async (j) => choiceOf(j, await generate(source, { ...j.opts, signal: c.signal }))));
    } catch (err) {
      done(null, null, (err as Error).message);
      throw Object.assign(asGatewayError(err, d) as object, { traceId });
    }
    done(choices, null);
    const first = choices[0] as Choice;
    return {
      kind: "json",
      status: 200,
      body: shape.whole(id, choices, usageOf(choices, jobs)),
      headers: {
        "x-keel-trace-id": traceId,
        "x-keel-deployment": d.name,
        "x-keel-batch-size": String(Math.max(...choices.map((x) => x.batchSize))),
        "x-keel-batch-wait-ms": String(Math.round(Math.max(...choices.map((x) => x.waitMs)))),
        ...(first.meanLogprob === null ? {} : { "x-keel-mean-logprob": String(first.meanLogprob) }),
      },
    };
  }
  const abort = new AbortController();
  let firstToken: Date | null = null;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const send = (bytes: Uint8Array) => {
        if (closed || abort.signal.aborted) return;
        controller.enqueue(bytes);
      };
      const close = () => {
        if (closed || abort.signal.aborted) return;
        closed = true;
        controller.close();
      };
      const signal = c.signal ? AbortSignal.any([c.signal, abort.signal]) : abort.signal;
      const runs = jobs.map(async (j) => {
        let first = true;
        const delta = (text: string) => {
          if (!text) return;
          firstToken ??= new Date();
          send(sse(shape.delta(id, j.index, text, first)));
          first = false;
        };
        delta(j.prefix);
        const ch = choiceOf(j, await generate(source, { ...j.opts, signal, stream: delta }));
        send(sse(shape.finish(id, ch)));
        return ch;
      });
      Promise.all(runs)
        .then((choices) => {
          if (abort.signal.aborted) return void done(choices, firstToken, "client went away");
          if (call.includeUsage) send(sse(shape.usageChunk(id, usageOf(choices, jobs))));
          send(new TextEncoder().encode("data: [DONE]\n\n"));
          close();
          done(choices, firstToken);
        })
        .catch((err: Error) => {
          done(null, firstToken, err.message);
          send(sse({ error: { message: err.message, type: "server_error", param: null, code: null } }));
          close();
        });
    },
    cancel() {
      abort.abort(new Error("client went away"));
    },
  });
  return { kind: "stream", stream, headers: { "x-keel-deployment": d.name, "x-keel-trace-id": traceId } };
}
