import { createHash } from "node:crypto";
import type { DbOrTx } from "../../db/client";
import { type LiveRef, type LiveTarget, provideLiveTargets } from "../evals";
import { getModel, getPrompt, renderTemplate, resolveVersion, templateVariables } from "../registry";
import { type ResolvedDeployment, resolveDeployment } from "../serving";
import { chatCompletions, chatOn, completionOn, completions, embeddings } from "./service";
import { GatewayError } from "./service-contract";
import { costOf } from "./service-gateway";
import { largeTargets } from "./service-route";
import { getRouter, type RouterRow } from "./service-routers";

/** The model a deployment's answers come from now: its resolved registry version, else its provider's model. */
async function modelKeyOf(db: DbOrTx, projectId: string, d: ResolvedDeployment): Promise<string> {
  if (d.kind === "provider") return `provider:${d.providerId}:${d.providerModel ?? d.name}`;
  if (d.modelName && d.modelRef) {
    const ref = /^\d+$/.test(d.modelRef) ? Number(d.modelRef) : d.modelRef;
    const v = await resolveVersion(db, projectId, d.modelName, ref).catch(() => null);
    if (v) return `version:${v.id}`;
  }
  return `local:${d.modelName ?? ""}:${d.modelRef ?? ""}`;
}

const pricesOf = (d: ResolvedDeployment | null) => ({ input: d?.inputPricePer1k ?? 0, output: d?.outputPricePer1k ?? 0 });

/** Registry tasks a version can be served for in an eval run without a deployment: text generators answer chat. */
const GENERATES = new Set(["text-generation", "text2text-generation", "chat", "completion"]);

/**
 * A registry version served without a deployment row: a local deployment of it pinned to the version
 * number, named `model:NAME:VERSION` in answers and traces, unpriced, with the serving defaults.
 */
async function versionDeployment(db: DbOrTx, projectId: string, name: string, ref: string): Promise<ResolvedDeployment | string> {
  const model = await getModel(db, projectId, name).catch(() => null);
  if (!model) return `model ${name} does not exist in this project`;
  if (model.kind !== "model") return `${name} is a ${model.kind}, not a model`;
  const v = await resolveVersion(db, projectId, name, /^\d+$/.test(ref) ? Number(ref) : ref).catch(() => null);
  if (!v) return /^\d+$/.test(ref) ? `model ${name} has no version ${ref}` : `model ${name} has no alias ${ref}`;
  const task = model.task ?? "text-generation";
  const now = new Date();
  return {
    id: v.id,
    projectId,
    name: `model:${name}:${v.version}`,
    kind: "local",
    task: GENERATES.has(task) ? "chat" : task === "feature-extraction" ? "embedding" : "classification",
    modelName: name,
    modelRef: String(v.version),
    providerId: null,
    providerModel: null,
    inputPricePer1k: 0,
    outputPricePer1k: 0,
    defaults: {},
    batching: { windowMs: 5, maxBatch: 16 },
    active: true,
    createdAt: now,
    updatedAt: now,
    providerRow: null,
  };
}

/** A router's small target: what answers when nothing sends a call to a large one. */
function smallTargetOf(router: RouterRow): string | null {
  const c = router.config as { small?: string; default?: string; targets?: { target: string; large?: boolean }[] };
  return c.small ?? c.default ?? c.targets?.find((t) => !t.large)?.target ?? null;
}

async function resolveTarget(db: DbOrTx, projectId: string, ref: LiveRef): Promise<LiveTarget | string> {
  if (ref.kind === "router") {
    const router = await getRouter(db, projectId, ref.name).catch(() => null);
    if (!router) return `router ${ref.name} does not exist in this project`;
    if (!router.active) return `router ${ref.name} is inactive`;
    const large = [...largeTargets(router)];
    const small = smallTargetOf(router);
    const [smallDep, largeDep] = await Promise.all([
      small ? resolveDeployment(db, projectId, small) : null,
      large[0] ? resolveDeployment(db, projectId, large[0]) : null,
    ]);
    // what its answers come from: the router's rules or trained model, as it is now
    const modelKey = `router:${router.id}:${createHash("sha256")
      .update(JSON.stringify([router.kind, router.config, router.trained]))
      .digest("hex")
      .slice(0, 16)}`;
    return {
      label: `router:${router.name}`,
      task: "chat",
      local: false,
      defaults: {},
      concurrencyLimit: smallDep?.providerRow?.maxConcurrency ?? null,
      modelKey,
      prices: pricesOf(smallDep),
      large: { names: large, prices: pricesOf(largeDep) },
    };
  }
  const d =
    ref.kind === "model"
      ? await versionDeployment(db, projectId, ref.name, ref.ref ?? "production")
      : await resolveDeployment(db, projectId, ref.name);
  if (d === null) return `deployment ${ref.name} does not exist in this project`;
  if (typeof d === "string") return d;
  return {
    label: d.name,
    task: d.task,
    local: d.kind === "local",
    defaults: d.defaults,
    concurrencyLimit: d.providerRow?.maxConcurrency ?? null,
    modelKey: ref.kind === "model" ? `version:${d.id}` : await modelKeyOf(db, projectId, d),
    prices: pricesOf(d),
  };
}

/** Usage out of an OpenAI response body. */
function usageOf(body: unknown): { input: number; output: number } {
  const u = (body as { usage?: { prompt_tokens?: number; completion_tokens?: number } | null } | null)?.usage;
  return { input: u?.prompt_tokens ?? 0, output: u?.completion_tokens ?? 0 };
}

/** Eval runs' live targets (server/evals/live.ts): deployments, registry versions and routers, answered by the gateway's own functions. */
provideLiveTargets({
  resolve: resolveTarget,
  async prompt(db, projectId, ref) {
    const v = await getPrompt(db, projectId, ref);
    const template =
      v.type === "text" ? { type: "text" as const, prompt: v.prompt ?? "" } : { type: "chat" as const, messages: v.messages ?? [] };
    return { id: v.id, name: v.name, version: v.version, template, config: v.config };
  },
  // a row's input may hold more keys than the prompt uses: only the used ones are passed
  renderPrompt: (template, variables) => {
    const used = templateVariables(template);
    return renderTemplate(template, Object.fromEntries(Object.entries(variables).filter(([k]) => used.includes(k))));
  },
  async call(c, ref, api, body) {
    try {
      let d: ResolvedDeployment | null = null;
      let result: Awaited<ReturnType<typeof chatCompletions>>;
      if (ref.kind === "model") {
        const v = await versionDeployment(c.db, c.projectId, ref.name, ref.ref ?? "production");
        if (typeof v === "string") return { kind: "json", status: 404, body: { error: { message: v } } };
        d = v;
        const named = { ...body, model: v.name };
        result = api === "chat" ? await chatOn(c, v, named) : await completionOn(c, v, named);
      } else {
        const model = ref.kind === "router" ? `router:${ref.name}` : ref.name;
        result = api === "chat" ? await chatCompletions(c, { ...body, model }) : await completions(c, { ...body, model });
      }
      if (result.kind !== "json") return { kind: "stream" };
      const answeredBy = result.headers?.["x-keel-route-target"] ?? (ref.kind === "router" ? undefined : (d?.name ?? ref.name));
      if (!d && answeredBy) d = await resolveDeployment(c.db, c.projectId, answeredBy);
      return {
        kind: "json",
        status: result.status,
        body: result.body,
        ...(answeredBy ? { answeredBy } : {}),
        cost: d ? costOf(d, usageOf(result.body)) : 0,
        ...(result.headers?.["x-keel-trace-id"] ? { traceId: result.headers["x-keel-trace-id"] } : {}),
      };
    } catch (err) {
      if (err instanceof GatewayError) return { kind: "json", status: err.status, body: err.body() };
      throw err;
    }
  },
  async embed(c, deployment, texts) {
    const d = await resolveDeployment(c.db, c.projectId, deployment);
    if (d?.task !== "embedding") throw new Error(`deployment ${deployment} is not an embedding deployment of this project`);
    const result = await embeddings(c, { model: deployment, input: texts });
    if (result.kind !== "json" || result.status !== 200)
      throw new Error(`deployment ${deployment}: ${result.kind === "json" ? JSON.stringify(result.body) : "streamed"}`);
    return ((result.body as { data: { embedding: number[] }[] }).data ?? []).map((x) => x.embedding);
  },
});
