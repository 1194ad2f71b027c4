import { z } from "zod";
import type { CascadeConfig, LearnedConfig, RulesConfig, SplitConfig } from "./policies";

/*
 * Routing inputs as plain zod, importing nothing but zod: the console's router forms validate with
 * these same schemas (scripts/check-boundaries.ts lets app/ import `server/<slug>/inputs.ts` files only).
 */

/**
 * The router model kinds a saved learned router chooses between (candidates.ts); here so the config
 * schema can name them without loading the trainers.
 */
export const CANDIDATE_KINDS = ["logistic", "tfidf", "knn", "mlp", "mf"] as const;

/*
 * Each router kind's `config` (routers.config), matching the policy types in policies.ts, for the
 * service to validate a router before it is saved. Regexes must compile; their length is capped
 * (they run on every request). Target names are deployment names.
 */

const target = z.string().trim().min(1, "pick a deployment").max(200);
const regex = z
  .string()
  .min(1, "enter a pattern")
  .max(500)
  .refine((p) => {
    try {
      new RegExp(p);
      return true;
    } catch {
      return false;
    }
  }, "not a valid regular expression");

/** One rule's condition: what a prompt must have for the rule's target to take it. */
export const ruleCondition = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("length"),
    op: z.enum([">", "<"]),
    value: z.number({ message: "the length is a whole number" }).int("the length is a whole number").min(0, "the length is 0 or more"),
    unit: z.enum(["chars", "tokens"]).default("chars"),
  }),
  z.object({
    type: z.literal("regex"),
    pattern: regex,
    flags: z
      .string()
      .regex(/^[imsu]*$/, "flags: any of i, m, s, u")
      .optional(),
  }),
  z.object({
    type: z.literal("metadata"),
    key: z.string().min(1, "write the condition as key=value").max(200),
    equals: z.union([z.string(), z.number(), z.boolean(), z.null()]),
  }),
  z.object({ type: z.literal("tier"), in: z.array(z.string().min(1)).min(1, "list one or more tiers, comma-separated") }),
]);

export const rulesConfigSchema = z.object({
  rules: z.array(z.object({ when: ruleCondition, target, name: z.string().max(200).optional() })).max(100),
  default: target,
  large: z.array(target).default([]),
}) satisfies z.ZodType<RulesConfig, unknown>;

export const splitConfigSchema = z.object({
  targets: z
    .array(
      z.object({
        target,
        weight: z.number({ message: "the weight is a number" }).min(0, "the weight is 0 or more").max(1e6),
        large: z.boolean().default(false),
      }),
    )
    .min(1, "add a target")
    .refine((ts) => ts.some((t) => t.weight > 0), "at least one target needs a positive weight"),
}) satisfies z.ZodType<SplitConfig, unknown>;

export const cascadeConfigSchema = z.object({
  small: target,
  large: target,
  minMeanLogprob: z.number({ message: "the minimum mean logprob is a number" }).max(0, "the minimum mean logprob is 0 or less").optional(),
  checks: z.object({ nonEmpty: z.boolean().optional(), regex: regex.optional(), json: z.boolean().optional() }).default({}),
}) satisfies z.ZodType<CascadeConfig, unknown>;

export const learnedConfigSchema = z.object({
  small: target,
  large: target,
  threshold: z.number().min(0).max(1).optional(),
  /** calibrate the threshold to this share of large calls at training time (default: the training data's share labelled "large needed") */
  targetLargeShare: z.number().min(0).max(1).optional(),
  /** label margin: small is good enough when small_quality >= large_quality - margin */
  margin: z.number({ message: "the margin is a number" }).min(0, "the margin is 0 or more").default(0),
  /**
   * the model kinds training chooses between on a validation slice, in preference order (default:
   * all of them; candidates.ts); one kind trains that kind alone
   */
  candidates: z
    .array(z.enum(CANDIDATE_KINDS))
    .min(1)
    .refine((ks) => new Set(ks).size === ks.length, "candidates: a kind is listed twice")
    .optional(),
}) satisfies z.ZodType<LearnedConfig, unknown>;

export const routerConfigSchemas = {
  rules: rulesConfigSchema,
  split: splitConfigSchema,
  cascade: cascadeConfigSchema,
  learned: learnedConfigSchema,
} as const;

export type RouterKind = keyof typeof routerConfigSchemas;

export const routerName = z
  .string()
  .trim()
  .min(1, "enter a router name")
  .max(100)
  .regex(/^[A-Za-z0-9][\w.-]*$/, "a router name is letters, digits, . - and _");
export const cacheInput = z.object({
  exact: z.boolean().default(false),
  /** cosine similarity at or above which a cached answer is reused; null: no semantic cache */
  semantic: z
    .number({ message: "the semantic threshold is a number" })
    .min(0.5, "the semantic threshold is 0.5 to 1")
    .max(1, "the semantic threshold is 0.5 to 1")
    .nullable()
    .default(null),
  ttlSeconds: z
    .number({ message: "the TTL is a whole number of seconds" })
    .int("the TTL is a whole number of seconds")
    .min(1, "the TTL is at least 1 second")
    .max(30 * 86_400, "the TTL is at most 30 days")
    .default(3600),
});
export const routerInput = z.object({
  name: routerName,
  kind: z.enum(["rules", "split", "cascade", "learned"]),
  config: z.record(z.string(), z.unknown()),
  fallbacks: z.array(z.string().min(1).max(200)).max(5, "at most 5 fallbacks").default([]),
  cache: cacheInput.default({ exact: false, semantic: null, ttlSeconds: 3600 }),
  active: z.boolean().default(true),
});
export type RouterInput = z.infer<typeof routerInput>;

export const trainInput = z.object({
  name: z.string().min(1).max(100),
  source: z.discriminatedUnion("kind", [
    /**
     * Ratings on logged calls the router's small target answered: the small answer was good enough
     * when its mean rating is at least `goodAt` (thumbs up = 1, down = 0; numeric ratings as stored).
     */
    z.object({
      kind: z.literal("ratings"),
      goodAt: z.number({ message: "“good at” is a number (thumbs up = 1)" }).default(0.5),
      limit: z.number().int().min(10).max(50_000).default(5000),
    }),
    /** Per-item scores of two eval runs on one dataset version: small's and large's predictions, one figure. */
    z.object({
      kind: z.literal("evals"),
      smallRunId: z.uuid("pick the small model's eval run"),
      largeRunId: z.uuid("pick the large model's eval run"),
      figure: z.string().trim().min(1, "name the per-item figure, e.g. rougeL.fmeasure").max(100).default("rougeL.fmeasure"),
      margin: z.number().min(0).default(0),
    }),
  ]),
  seed: z.number().int().default(1),
  /** calibrate the threshold to this share of large calls (default: the training data's share needing large) */
  targetLargeShare: z
    .number({ message: "the target share of large calls is between 0 and 1" })
    .min(0, "the target share of large calls is between 0 and 1")
    .max(1, "the target share of large calls is between 0 and 1")
    .optional(),
});
export type TrainInput = z.infer<typeof trainInput>;

// ---- the console's playground (service-playground.ts): one gateway call for a signed-in member

/** `router:<name>` picks a router; any other name a deployment. */
export const PLAYGROUND_ROUTER_PREFIX = "router:";

/** The model parameters the playground offers, with the gateway's own bounds (service-contract.ts). */
export const playgroundParams = z.object({
  temperature: z
    .number({ message: "temperature is a number from 0 to 2" })
    .min(0, "temperature is from 0 to 2")
    .max(2, "temperature is from 0 to 2")
    .optional(),
  max_tokens: z
    .number({ message: "max_tokens is a whole number" })
    .int("max_tokens is a whole number")
    .min(1, "max_tokens is at least 1")
    .max(32_768, "max_tokens is at most 32768")
    .optional(),
  top_p: z.number({ message: "top_p is a number from 0 to 1" }).min(0, "top_p is from 0 to 1").max(1, "top_p is from 0 to 1").optional(),
  stop: z.array(z.string().min(1, "a stop sequence is not empty").max(200)).max(4, "at most 4 stop sequences").optional(),
  seed: z.number({ message: "seed is a whole number" }).int("seed is a whole number").optional(),
  presence_penalty: z.number().min(-2, "presence_penalty is from -2 to 2").max(2, "presence_penalty is from -2 to 2").optional(),
  frequency_penalty: z.number().min(-2, "frequency_penalty is from -2 to 2").max(2, "frequency_penalty is from -2 to 2").optional(),
});
export type PlaygroundParams = z.infer<typeof playgroundParams>;

const modelRef = z.string().trim().min(1, "pick a deployment or router").max(200);

/**
 * What answers: a deployment or `router:<name>` (`model`), or a registry prompt by label or version
 * with its `{{variables}}`, served by its config's model unless `model` names another.
 */
export const playgroundTarget = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("model"), model: modelRef }),
  z
    .object({
      kind: z.literal("prompt"),
      name: z.string().trim().min(1, "pick a prompt").max(200),
      label: z.string().trim().min(1).max(100).optional(),
      version: z.number().int("version is a whole number").positive("version is a positive number").optional(),
      variables: z.record(z.string().max(200), z.string().max(200_000)).default({}),
      model: modelRef.optional(),
    })
    .refine((t) => t.label === undefined || t.version === undefined, { message: "give a label or a version, not both", path: ["version"] }),
]);
export type PlaygroundTarget = z.infer<typeof playgroundTarget>;

export const playgroundMessage = z.object({
  role: z.enum(["system", "user", "assistant"]),
  content: z.string().max(200_000),
});

/** What a call sends besides its target (the form holds one or two targets over the same input). */
const playgroundInput = {
  /** chat: `messages` (after a prompt target's own); completion: `prompt` (text), deployments only */
  mode: z.enum(["chat", "completion"]).default("chat"),
  messages: z.array(playgroundMessage).max(200, "at most 200 messages").default([]),
  prompt: z.string().max(200_000).optional(),
  params: playgroundParams.default({}),
  /** SSE in OpenAI's chunk shape, usage in the last chunk; else one JSON answer */
  stream: z.boolean().default(false),
};
type CallShape = { mode: "chat" | "completion"; messages: { content: string }[]; prompt?: string };

/** What the input must hold for these targets: text to complete, or a message unless a prompt brings its own. */
function checkCall(targets: PlaygroundTarget[], r: CallShape, ctx: z.RefinementCtx) {
  if (r.mode === "completion") {
    if (targets.some((t) => t.kind === "prompt"))
      ctx.addIssue({ code: "custom", path: ["mode"], message: "a prompt runs as chat; pick chat mode" });
    else if (targets.some((t) => t.kind === "model" && t.model.startsWith(PLAYGROUND_ROUTER_PREFIX)))
      ctx.addIssue({ code: "custom", path: ["mode"], message: "routers answer chat only; pick chat mode" });
    if (!r.prompt?.trim()) ctx.addIssue({ code: "custom", path: ["prompt"], message: "enter the text to complete" });
  } else if (targets.some((t) => t.kind === "model") && !r.messages.some((m) => m.content.trim()))
    ctx.addIssue({ code: "custom", path: ["messages"], message: "write at least one message" });
}

/** One playground call (the HTTP route's body). */
export const playgroundRequest = z
  .object({ target: playgroundTarget, ...playgroundInput })
  .superRefine((r, ctx) => checkCall([r.target], r, ctx));
export type PlaygroundRequest = z.infer<typeof playgroundRequest>;
export type PlaygroundRequestIn = z.input<typeof playgroundRequest>;

/** The console's form: one target, or two compared on the same input (each then sent as a playgroundRequest). */
export const playgroundForm = z
  .object({ targets: z.array(playgroundTarget).min(1).max(2, "compare two targets at most"), ...playgroundInput })
  .superRefine((r, ctx) => checkCall(r.targets, r, ctx));
export type PlaygroundForm = z.infer<typeof playgroundForm>;
