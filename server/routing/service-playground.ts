import { type PlaygroundRequest, playgroundRequest } from "./inputs";
import { chatCompletions, completions } from "./service";
import { parseRequest } from "./service-contract";
import type { GatewayContext, GatewayResult } from "./service-gateway";

/** The tag every playground call's trace carries (beside the gateway's own `gateway`). */
export const PLAYGROUND_TAG = "playground";

/**
 * The console's playground call (issue 20): the request as the OpenAI-compatible body an app would
 * send, run through the gateway's own chatCompletions / completions (routers, prompts, fallbacks,
 * the cache and the trace included: no second implementation). The trace is tagged `playground`, and
 * its user is the member who ran it; the result's headers carry `x-keel-trace-id` and, for a router, its decision.
 * Bad input is a 400 naming the field as this request names it (`params.temperature`).
 */
export async function playgroundCall(c: GatewayContext, raw: unknown, who: { userId: string }): Promise<GatewayResult> {
  const req = parseRequest(playgroundRequest, raw);
  const body = gatewayBody(req, who);
  return req.mode === "completion" ? completions(c, body) : chatCompletions(c, body);
}

/** The gateway request body: OpenAI's fields, LiteLLM's prompt fields and metadata. */
export function gatewayBody(req: PlaygroundRequest, who: { userId: string }): Record<string, unknown> {
  const t = req.target;
  const body: Record<string, unknown> = {
    ...req.params,
    stream: req.stream,
    ...(req.stream ? { stream_options: { include_usage: true } } : {}),
    // LiteLLM's keys only: they are Keel's, never sent upstream (a provider sees no member id)
    metadata: { tags: [PLAYGROUND_TAG], trace_name: `playground ${req.mode}`, trace_user_id: who.userId },
  };
  if (t.kind === "model") body.model = t.model;
  else {
    if (t.model) body.model = t.model;
    body.prompt_id = t.name;
    if (t.label !== undefined) body.prompt_label = t.label;
    if (t.version !== undefined) body.prompt_version = t.version;
    body.prompt_variables = t.variables;
  }
  if (req.mode === "completion") body.prompt = req.prompt ?? "";
  else body.messages = req.messages.filter((m) => m.content.trim() !== "");
  return body;
}
