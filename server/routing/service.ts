import { listDeployments } from "../serving";
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
} from "./service-contract";
import { deploymentOrThrow, type GatewayContext, type GatewayResult, viaProvider } from "./service-gateway";
import { localChat, localClassifications, localCompletion, localEmbeddings } from "./service-local";
import { routeChat } from "./service-route";

/**
 * The OpenAI-compatible gateway: `model` names a deployment (or `router:<name>`, see routers). Each
 * call is answered by a local model or a provider and logged as a trace afterwards.
 */
export async function chatCompletions(c: GatewayContext, raw: unknown): Promise<GatewayResult> {
  const body = parseRequest(chatRequest, raw);
  if (body.model.startsWith("router:")) return routeChat(c, body.model.slice(7), body, chatOnDeployment);
  return chatOnDeployment(c, body);
}

/** A chat call on one deployment (what a router's decision calls too). */
async function chatOnDeployment(c: GatewayContext, body: ChatRequest): Promise<GatewayResult> {
  const d = await deploymentOrThrow(c, body.model, ["chat", "completion"]);
  const start = new Date();
  const log = { kind: "chat", start, userId: body.user, input: body.messages };
  if (d.kind === "local") return localChat(c, d, body, log);
  return viaProvider(c, d, "/chat/completions", body as ChatRequest & Record<string, unknown>, {
    ...log,
    outputOf: (json, streamed) =>
      json ? ((json as { choices?: { message?: unknown }[] }).choices?.[0]?.message ?? null) : { role: "assistant", content: streamed },
  });
}

export async function completions(c: GatewayContext, raw: unknown): Promise<GatewayResult> {
  const body = parseRequest(completionRequest, raw);
  const d = await deploymentOrThrow(c, body.model, ["completion", "chat"]);
  const start = new Date();
  const prompt = Array.isArray(body.prompt) ? (body.prompt[0] ?? "") : body.prompt;
  const log = { kind: "completion", start, userId: body.user, input: prompt };
  if (d.kind === "local") return localCompletion(c, d, { ...body, prompt } as CompletionRequest & { prompt: string }, log);
  return viaProvider(c, d, "/completions", body as CompletionRequest & Record<string, unknown>, {
    ...log,
    outputOf: (json, streamed) => (json ? ((json as { choices?: { text?: string }[] }).choices?.[0]?.text ?? null) : streamed),
  });
}

export async function embeddings(c: GatewayContext, raw: unknown): Promise<GatewayResult> {
  const body = parseRequest(embeddingRequest, raw);
  const d = await deploymentOrThrow(c, body.model, ["embedding"]);
  const start = new Date();
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const log = { kind: "embedding", start, userId: body.user, input: inputs.length === 1 ? inputs[0] : inputs };
  if (d.kind === "local") return localEmbeddings(c, d, body as EmbeddingRequest, inputs, log);
  return viaProvider(c, d, "/embeddings", body as EmbeddingRequest & Record<string, unknown>, {
    ...log,
    outputOf: (json) => ({ vectors: ((json as { data?: unknown[] })?.data ?? []).length }),
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
  const log = { kind: "classification", start: new Date(), userId: body.user, input: inputs.length === 1 ? inputs[0] : inputs };
  return localClassifications(c, d, body, inputs, log);
}

/** `GET /v1/models`: the project's active deployments. */
export async function models(c: GatewayContext): Promise<GatewayResult> {
  const list = await listDeployments(c.db, c.projectId);
  return {
    kind: "json",
    status: 200,
    body: {
      object: "list",
      data: list
        .filter((d) => d.active)
        .map((d) => ({
          id: d.name,
          object: "model",
          created: Math.floor(d.createdAt.getTime() / 1000),
          owned_by: d.kind === "local" ? "keel" : (d.provider ?? "provider"),
        })),
    },
  };
}

export { contentText };
