import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq, sql } from "drizzle-orm";
import { expect } from "vitest";
import { type Db, schema } from "../../db/client";
import { handleV1 } from "../../server/http/v1";
import { req } from "../factories/workspace";
import { waitFor } from "./wait";

/** Eval-run tests' shared parts: a loopback OpenAI-compatible upstream, a dataset upload, a run's end. */

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
