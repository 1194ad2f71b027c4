import { createHash } from "node:crypto";
import { and, desc, eq, gt, sql } from "drizzle-orm";
import { schema } from "../../db/client";
import { logger } from "../core/logger";
import { embedTexts, resolveDeployment } from "../serving";
import { isRouterModel, modelEmbedding, predictRouterModel, type RouterModel } from "./candidates";
import {
  type CascadeConfig,
  cascadeDecide,
  cascadeStart,
  compileRules,
  type Decision,
  decideLearned,
  decideSplit,
  type LearnedConfig,
  promptText,
  type RulesConfig,
  type SplitConfig,
} from "./policies";
import { type ChatRequest, GatewayError } from "./service-contract";
import { checkModelAllowed, costOf, type GatewayContext, type GatewayResult } from "./service-gateway";
import { getRouter, type RouterRow } from "./service-routers";

/** The deployment call a router makes (chatCompletions without the router step). */
export type CallTarget = (c: GatewayContext, body: ChatRequest) => Promise<GatewayResult>;

const usageOf = (res: GatewayResult) => {
  const u = res.kind === "json" ? (res.body as { usage?: { prompt_tokens?: number; completion_tokens?: number } }).usage : undefined;
  return { input: u?.prompt_tokens ?? 0, output: u?.completion_tokens ?? 0 };
};

/** Which targets are the router's large (expensive) ones, for "share of large calls" and savings. */
export function largeTargets(router: RouterRow): Set<string> {
  const c = router.config as Partial<RulesConfig & SplitConfig & CascadeConfig>;
  if (router.kind === "rules") return new Set((c as { large?: string[] }).large ?? []);
  if (router.kind === "split") return new Set((c.targets ?? []).filter((t) => t.large).map((t) => t.target));
  return new Set(c.large ? [c.large] : []);
}

const cacheKey = (body: ChatRequest) =>
  createHash("sha256")
    .update(
      JSON.stringify({
        m: body.messages,
        t: body.temperature ?? null,
        p: body.top_p ?? null,
        x: body.max_tokens ?? body.max_completion_tokens ?? null,
        s: body.stop ?? null,
      }),
    )
    .digest("hex");
type RouteDecision = Decision & { probability?: number };

const cosine = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, i) => s + v * (b[i] ?? 0), 0);

/**
 * The trained model object per router and training time: a kNN model decodes its stored points once
 * per object (knn.ts), and the row is read afresh per request, so the first object read is reused
 * while the router's trainedAt stays the same. A few routers' models at most (LRU of MODEL_CACHE).
 */
const MODEL_CACHE = 32;
const models = new Map<string, RouterModel>();
function cached(routerId: string, trainedAt: Date | null, trained: RouterModel): RouterModel {
  const key = `${routerId}:${trainedAt?.getTime() ?? 0}`;
  const hit = models.get(key);
  if (hit) {
    models.delete(key);
    models.set(key, hit);
    return hit;
  }
  models.set(key, trained);
  if (models.size > MODEL_CACHE) models.delete(models.keys().next().value as string);
  return trained;
}

/** The decision before any model ran (cascade: its small target first). */
async function decide(router: RouterRow, body: ChatRequest, embedding: () => Promise<number[] | null>): Promise<RouteDecision> {
  const req = { messages: body.messages, user: body.user ?? null, metadata: body.metadata ?? null };
  if (router.kind === "rules") return compileRules(router.config as unknown as RulesConfig)(req);
  if (router.kind === "split") return decideSplit(router.config as unknown as SplitConfig, router.id, body.user);
  if (router.kind === "cascade") return cascadeStart(router.config as unknown as CascadeConfig);
  if (!isRouterModel(router.trained))
    throw new GatewayError(
      409,
      `router ${router.name} has no trained model yet: train it from ratings or eval runs first`,
      "invalid_request_error",
      "model",
      "router_not_trained",
    );
  // any stored kind (candidates.ts), including logistic models stored before issue 17
  const model = cached(router.id, router.trainedAt, router.trained);
  const p = predictRouterModel(model, promptText(req), modelEmbedding(model) ? await embedding() : null);
  return decideLearned(router.config as unknown as LearnedConfig, router.trained, p);
}

/**
 * `model: "router:<name>"`: cache, decision, the call (with the router's fallbacks on a 5xx or an
 * unreachable upstream, thrown or answered, and on a provider's 401/403/429 answer), a route event for
 * the dashboard, and the decision on the call's trace.
 */
export async function routeChat(gc: GatewayContext, name: string, body: ChatRequest, call: CallTarget): Promise<GatewayResult> {
  checkModelAllowed(gc, `router:${name}`);
  // a key allowed the router may reach every deployment the router picks
  const c: GatewayContext = gc.allowedModels ? { ...gc, allowedModels: null } : gc;
  const started = performance.now();
  let router: RouterRow;
  try {
    router = await getRouter(c.db, c.projectId, name);
  } catch {
    throw new GatewayError(404, `router ${name} not found`, "invalid_request_error", "model", "model_not_found");
  }
  if (!router.active) throw new GatewayError(404, `router ${name} is inactive`, "invalid_request_error", "model", "model_not_found");
  const large = largeTargets(router);
  let vector: number[] | null | undefined;
  const embedding = async () => (vector ??= (await embedTexts([promptText({ messages: body.messages })]))[0] ?? null);
  const streamed = body.stream === true;
  const key = cacheKey(body);
  const rc = schema.routeCache;
  const fresh = gt(rc.createdAt, sql`now() - make_interval(secs => ${router.cache.ttlSeconds})`);

  // cache: exact, then semantic (whole answers only)
  if (!streamed && (router.cache.exact || router.cache.semantic)) {
    let hit: { id: string; response: Record<string, unknown> } | undefined;
    let kind: "exact" | "semantic" = "exact";
    if (router.cache.exact)
      [hit] = await c.db
        .select({ id: rc.id, response: rc.response })
        .from(rc)
        .where(and(eq(rc.routerId, router.id), eq(rc.promptHash, key), fresh))
        .limit(1);
    if (!hit && router.cache.semantic) {
      const v = await embedding();
      const recent = v
        ? await c.db
            .select({ id: rc.id, response: rc.response, embedding: rc.embedding })
            .from(rc)
            .where(and(eq(rc.routerId, router.id), fresh))
            .orderBy(desc(rc.createdAt))
            .limit(500)
        : [];
      const best = recent.map((x) => ({ x, s: x.embedding && v ? cosine(v, x.embedding) : -1 })).sort((a, b) => b.s - a.s)[0];
      if (best && best.s >= router.cache.semantic) {
        hit = best.x;
        kind = "semantic";
      }
    }
    if (hit) {
      void c.db
        .update(rc)
        .set({ hits: sql`${rc.hits} + 1` })
        .where(eq(rc.id, hit.id))
        .catch(() => {});
      const target = String((hit.response as { model?: string }).model ?? "cache");
      recordEvent(c, router, {
        target,
        large: large.has(target),
        reason: `${kind} cache hit`,
        cache: kind,
        fallback: false,
        latencyMs: performance.now() - started,
        cost: 0,
        largeCost: 0,
      });
      return { kind: "json", status: 200, body: hit.response, headers: { "x-keel-router": router.name, "x-keel-cache": kind } };
    }
  }

  let decision: RouteDecision = await decide(router, body, embedding);
  const route = (d: RouteDecision, extra: Record<string, unknown> = {}) => ({
    router: router.name,
    kind: router.kind,
    ...d,
    ...extra,
  });
  const attempt = async (target: string, d: RouteDecision, b: ChatRequest) => {
    const chain = [target, ...router.fallbacks.filter((f) => f !== target)];
    let last: unknown;
    let why = "";
    for (const [i, t] of chain.entries()) {
      const reason = i === 0 ? d.reason : `${d.reason}; fallback to ${t} after: ${why}`;
      const final = i === chain.length - 1;
      let res: GatewayResult;
      try {
        res = await call({ ...c, route: route({ ...d, target: t, reason }, { fallback: i > 0 }) }, { ...b, model: t });
      } catch (err) {
        last = err;
        if (!(err instanceof GatewayError) || err.status < 500 || final) throw err;
        why = err.message;
        logger.warn({ router: router.name, target: t, err: err.message }, "router falls back");
        continue;
      }
      // a provider's error answer comes back, not thrown: the next target on one the request did not cause
      if (final || res.kind !== "json" || !fallsBack(res.status)) return { res, target: t, fallback: i > 0, reason };
      why = upstreamError(res);
      logger.warn({ router: router.name, target: t, err: why }, "router falls back");
    }
    throw last;
  };

  // a cascade reads the small answer whole; providers are asked for token log-probabilities when the config uses them
  const wantsLogprobs = router.kind === "cascade" && (router.config as { minMeanLogprob?: number }).minMeanLogprob !== undefined;
  let out = await attempt(
    decision.target,
    decision,
    router.kind === "cascade" ? ({ ...body, stream: false, ...(wantsLogprobs ? { logprobs: true } : {}) } as ChatRequest) : body,
  );
  if (router.kind === "cascade") {
    const res = out.res;
    const text =
      res.kind === "json" ? ((res.body as { choices?: { message?: { content?: string } }[] }).choices?.[0]?.message?.content ?? "") : "";
    const meanLogprob = res.kind === "json" ? answerLogprob(res) : null;
    const next = cascadeDecide(router.config as unknown as CascadeConfig, { text, meanLogprob });
    if (next.large) {
      decision = next;
      out = await attempt(next.target, next, body);
    } else {
      // kept: the route event and headers say why (the small call's trace has the first step's decision)
      out = { ...out, reason: out.fallback ? `${out.reason}; ${next.reason}` : next.reason };
      if (streamed) out = { ...out, res: asSse(res) };
    }
  }
  const d = await resolveDeployment(c.db, c.projectId, out.target);
  const usage = usageOf(out.res);
  const largeName = [...large][0];
  const largeDep = largeName ? await resolveDeployment(c.db, c.projectId, largeName) : null;
  recordEvent(c, router, {
    target: out.target,
    large: large.has(out.target),
    reason: out.reason,
    cache: "miss",
    fallback: out.fallback,
    latencyMs: performance.now() - started,
    cost: d ? costOf(d, usage) : 0,
    largeCost: largeDep ? costOf(largeDep, usage) : 0,
    traceId: out.res.kind === "json" ? out.res.headers?.["x-keel-trace-id"] : undefined,
  });
  if (!streamed && out.res.kind === "json" && out.res.status === 200 && (router.cache.exact || router.cache.semantic)) {
    const v = router.cache.semantic ? await embedding() : null;
    void c.db
      .insert(rc)
      .values({
        projectId: c.projectId,
        routerId: router.id,
        promptHash: key,
        embedding: v,
        response: out.res.body as Record<string, unknown>,
      })
      .catch((err) => logger.warn({ err }, "route cache write failed"));
  }
  const headers = {
    ...(out.res.headers ?? {}),
    "x-keel-router": router.name,
    "x-keel-route-target": out.target,
    "x-keel-route-reason": encodeURIComponent(out.reason),
    "x-keel-cache": "miss",
  };
  return { ...out.res, headers };
}

/**
 * Which error answers from a target send the router on to its next one: the provider failed (5xx,
 * after its retries), refused this deployment's key (401, 403), or kept rate-limiting it (429).
 * Errors the request itself caused (400, 404, 413, 422, ...) would fail on any target: they go back.
 */
export const fallsBack = (status: number) => status >= 500 || status === 401 || status === 403 || status === 429;

/** "upstream 401: <the provider's message>" for a route reason. */
function upstreamError(res: { status: number; body: unknown }): string {
  const m = (res.body as { error?: { message?: unknown } } | null)?.error?.message;
  return typeof m === "string" && m ? `upstream ${res.status}: ${m.slice(0, 200)}` : `upstream ${res.status}`;
}

/** Mean token log-probability of an answer: a local model's header, else OpenAI's `choices[0].logprobs.content`. */
export function answerLogprob(res: { body: unknown; headers?: Record<string, string> }): number | null {
  const h = res.headers?.["x-keel-mean-logprob"];
  if (h !== undefined && h !== "") return Number(h);
  const tokens = (res.body as { choices?: { logprobs?: { content?: { logprob?: number }[] | null } | null }[] })?.choices?.[0]?.logprobs
    ?.content;
  const lps = (tokens ?? []).map((t) => t.logprob).filter((x): x is number => typeof x === "number" && Number.isFinite(x));
  return lps.length ? lps.reduce((a, b) => a + b, 0) / lps.length : null;
}

/** A whole chat completion as the SSE a streaming client expects (cascade answers from the small model). */
function asSse(res: GatewayResult): GatewayResult {
  if (res.kind !== "json") return res;
  const b = res.body as {
    id: string;
    created: number;
    model: string;
    choices: { message: { content: string }; finish_reason: string }[];
    usage?: unknown;
  };
  const enc = new TextEncoder();
  const base = { id: b.id, object: "chat.completion.chunk", created: b.created, model: b.model };
  const chunks = [
    { ...base, choices: [{ index: 0, delta: { role: "assistant", content: b.choices[0]?.message.content ?? "" }, finish_reason: null }] },
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: b.choices[0]?.finish_reason ?? "stop" }] },
  ];
  const text = `${chunks.map((x) => `data: ${JSON.stringify(x)}\n\n`).join("")}data: [DONE]\n\n`;
  return { kind: "stream", stream: new Response(enc.encode(text)).body as ReadableStream<Uint8Array>, headers: res.headers };
}

function recordEvent(
  c: GatewayContext,
  router: RouterRow,
  e: {
    target: string;
    large: boolean;
    reason: string;
    cache: "miss" | "exact" | "semantic";
    fallback: boolean;
    latencyMs: number;
    cost: number;
    largeCost: number;
    traceId?: string;
  },
) {
  void c.db
    .insert(schema.routeEvents)
    .values({ projectId: c.projectId, routerId: router.id, ...e, latencyMs: Math.round(e.latencyMs), traceId: e.traceId ?? null })
    .catch((err) => logger.warn({ err }, "route event not recorded"));
}
