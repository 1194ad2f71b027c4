import { and, asc, eq } from "drizzle-orm";
import { schema } from "../../db/client";
import { listDeployments, type ResolvedDeployment, resolveDeployment } from "../serving";
import {
  type ChatRequest,
  type CompletionRequest,
  chatRequest,
  classificationRequest,
  completionRequest,
  contentText,
  type EmbeddingRequest,
  embeddingRequest,
  GatewayError,
  parseRequest,
  type ResponsesRequest,
  responsesRequest,
} from "./service-contract";
import { deploymentOrThrow, type GatewayContext, type GatewayResult, viaProvider } from "./service-gateway";
import { localChat, localClassifications, localCompletion, localEmbeddings } from "./service-local";
import { callTags } from "./service-log";
import { applyPrompt } from "./service-prompt";
import { routeChat } from "./service-route";

/**
 * The OpenAI-compatible gateway: `model` names a deployment (or `router:<name>`, see routers). Each
 * call is answered by a local model or a provider and logged as a trace afterwards.
 */
export async function chatCompletions(c: GatewayContext, raw: unknown): Promise<GatewayResult> {
  const prompted = await applyPrompt(c, raw);
  const body = parseRequest(chatRequest, prompted.body);
  const pc = prompted.promptVersionId ? { ...c, promptVersionId: prompted.promptVersionId } : c;
  if (body.model.startsWith("router:")) return routeChat(pc, body.model.slice(7), body, chatOnDeployment);
  return chatOnDeployment(pc, body);
}

/** One output, or the list when there are several choices (n > 1, several prompts). */
const oneOrAll = <T>(items: T[]): T | T[] | null => (items.length > 1 ? items : (items[0] ?? null));

/** A chat call on one deployment (what a router's decision calls too). */
async function chatOnDeployment(c: GatewayContext, body: ChatRequest): Promise<GatewayResult> {
  return chatOnResolved(c, await deploymentOrThrow(c, body.model, ["chat", "completion"]), body);
}

/**
 * Chat and completion calls on a deployment the caller resolved: an eval run of a registry version
 * (server/routing/eval-targets.ts) serves it through a deployment that has no row.
 */
export async function chatOn(c: GatewayContext, d: ResolvedDeployment, raw: unknown): Promise<GatewayResult> {
  return chatOnResolved(c, d, parseRequest(chatRequest, raw));
}

export async function completionOn(c: GatewayContext, d: ResolvedDeployment, raw: unknown): Promise<GatewayResult> {
  return completionOnResolved(c, d, parseRequest(completionRequest, raw));
}

async function chatOnResolved(c: GatewayContext, d: ResolvedDeployment, body: ChatRequest): Promise<GatewayResult> {
  const log = { kind: "chat", start: new Date(), tags: callTags(body), input: body.messages };
  if (d.kind === "local") return localChat(c, d, body, log);
  return viaProvider(c, d, "/chat/completions", body as ChatRequest & Record<string, unknown>, {
    ...log,
    outputOf: (json, streamed) =>
      json
        ? oneOrAll(((json as { choices?: { message?: unknown }[] }).choices ?? []).map((x) => x.message ?? null))
        : oneOrAll(Array.from(streamed.length ? streamed : [""], (content) => ({ role: "assistant", content: content ?? "" }))),
  });
}

/** `prompt` may be text, texts (one choice per prompt), token ids or lists of them: a provider gets it as sent. */
export async function completions(c: GatewayContext, raw: unknown): Promise<GatewayResult> {
  const body = parseRequest(completionRequest, raw);
  return completionOnResolved(c, await deploymentOrThrow(c, body.model, ["completion", "chat"]), body);
}

async function completionOnResolved(c: GatewayContext, d: ResolvedDeployment, body: CompletionRequest): Promise<GatewayResult> {
  const log = { kind: "completion", start: new Date(), tags: callTags(body), input: body.prompt };
  if (d.kind === "local") return localCompletion(c, d, body, log);
  return viaProvider(c, d, "/completions", body as CompletionRequest & Record<string, unknown>, {
    ...log,
    outputOf: (json, streamed) =>
      json
        ? oneOrAll(((json as { choices?: { text?: string }[] }).choices ?? []).map((x) => x.text ?? null))
        : oneOrAll(Array.from(streamed.length ? streamed : [""], (t) => t ?? "")),
  });
}

export async function embeddings(c: GatewayContext, raw: unknown): Promise<GatewayResult> {
  const body = parseRequest(embeddingRequest, raw);
  const d = await deploymentOrThrow(c, body.model, ["embedding"]);
  const log = { kind: "embedding", start: new Date(), tags: callTags(body), input: body.input };
  if (d.kind === "local") return localEmbeddings(c, d, body, log);
  return viaProvider(c, d, "/embeddings", body as EmbeddingRequest & Record<string, unknown>, {
    ...log,
    outputOf: (json) => {
      const data = (json as { data?: { embedding?: unknown }[] })?.data ?? [];
      const first = data[0]?.embedding;
      return { vectors: data.length, ...(Array.isArray(first) ? { dimensions: first.length } : {}) };
    },
  });
}

/** The text of a Responses API answer (its output_text parts), or its output items when it has no text (tool calls). */
function responseOutput(json: unknown): unknown {
  const items = (json as { output?: { type?: string; content?: { type?: string; text?: string }[] }[] })?.output ?? [];
  const text = items
    .flatMap((item) => (item.type === "message" ? (item.content ?? []) : []))
    .filter((p) => p.type === "output_text")
    .map((p) => p.text ?? "")
    .join("");
  return text ? { role: "assistant", content: text } : items;
}

/**
 * `POST /v1/responses` (OpenAI's Responses API): passed through to a provider deployment, which
 * answers it at its own /responses (streamed or whole), and logged as a trace. Local models answer
 * chat completions only.
 */
export async function responses(c: GatewayContext, raw: unknown): Promise<GatewayResult> {
  const body = parseRequest(responsesRequest, raw);
  const d = await deploymentOrThrow(c, body.model, ["chat", "completion"]);
  if (d.kind === "local")
    throw new GatewayError(
      400,
      `Deployment ${d.name} is a local model; /v1/responses is served by provider deployments only (use /v1/chat/completions)`,
      "invalid_request_error",
      "model",
      "unsupported_endpoint",
    );
  const input = body.instructions ? { instructions: body.instructions, input: body.input } : body.input;
  const log = { kind: "response", start: new Date(), tags: callTags(body), input };
  return viaProvider(c, d, "/responses", body as ResponsesRequest & Record<string, unknown>, {
    ...log,
    outputOf: (json, streamed) => (json ? responseOutput(json) : { role: "assistant", content: streamed[0] ?? "" }),
  });
}

/** `POST /v1/classifications` (Keel's own): labels and scores from a local text-classification deployment. */
export async function classifications(c: GatewayContext, raw: unknown): Promise<GatewayResult> {
  const body = parseRequest(classificationRequest, raw);
  const d = await deploymentOrThrow(c, body.model, ["classification"]);
  if (d.kind !== "local")
    throw new GatewayError(
      400,
      `Deployment ${d.name} is a provider's; classifications are served by local models`,
      "invalid_request_error",
      "model",
    );
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const log = { kind: "classification", start: new Date(), tags: callTags(body), input: inputs.length === 1 ? inputs[0] : inputs };
  return localClassifications(c, d, body, inputs, log);
}

const ROUTER_PREFIX = "router:";
const unixTime = (d: Date) => Math.floor(d.getTime() / 1000);
const json = (body: unknown): GatewayResult => ({ kind: "json", status: 200, body });

/** The project's active routers (name and creation time only: no configs or trained weights). */
function activeRouters(c: GatewayContext, name?: string) {
  const r = schema.routers;
  return c.db
    .select({ name: r.name, createdAt: r.createdAt })
    .from(r)
    .where(and(eq(r.projectId, c.projectId), eq(r.active, true), name === undefined ? undefined : eq(r.name, name)))
    .orderBy(asc(r.name))
    .limit(500);
}

const routerModel = (x: { name: string; createdAt: Date }) => ({
  id: `${ROUTER_PREFIX}${x.name}`,
  object: "model",
  created: unixTime(x.createdAt),
  owned_by: "keel-router",
});

/** `GET /v1/models`: the project's active deployments, then its active routers (`router:<name>`, owned by `keel-router`). */
export async function models(c: GatewayContext): Promise<GatewayResult> {
  const [list, routers] = await Promise.all([listDeployments(c.db, c.projectId), activeRouters(c)]);
  const allowed = (id: string) => !c.allowedModels || c.allowedModels.includes(id);
  const deployments = list
    .filter((d) => d.active && allowed(d.name))
    .map((d) => ({
      id: d.name,
      object: "model",
      created: unixTime(d.createdAt),
      owned_by: d.kind === "local" ? "keel" : (d.provider ?? "provider"),
    }));
  return json({ object: "list", data: [...deployments, ...routers.map(routerModel).filter((r) => allowed(r.id))] });
}

/** `GET /v1/models/{id}`: one of them (the id is the rest of the path: names may hold `/` and `@`); else 404 `model_not_found`. */
export async function model(c: GatewayContext, id: string): Promise<GatewayResult> {
  const missing = () =>
    new GatewayError(
      404,
      `The model \`${id}\` does not exist or you do not have access to it.`,
      "invalid_request_error",
      "model",
      "model_not_found",
    );
  if (c.allowedModels && !c.allowedModels.includes(id)) throw missing();
  if (id.startsWith(ROUTER_PREFIX)) {
    const [router] = await activeRouters(c, id.slice(ROUTER_PREFIX.length));
    if (!router) throw missing();
    return json(routerModel(router));
  }
  const d = await resolveDeployment(c.db, c.projectId, id);
  if (!d) throw missing();
  return json({
    id: d.name,
    object: "model",
    created: unixTime(d.createdAt),
    owned_by: d.kind === "local" ? "keel" : (d.providerRow?.name ?? "provider"),
  });
}

export { contentText };
