import { z } from "zod";

/*
 * The serving inputs as plain zod, importing nothing but zod: the console's forms validate with these
 * same schemas (scripts/check-boundaries.ts lets app/ import `server/<slug>/inputs.ts` files only).
 */

/** Deployment and provider names travel as the OpenAI `model` field; `router:` is the routers' prefix. */
export const endpointName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][\w.\-/@]*$/, "a name is letters, digits and . - _ / @, starting with a letter or digit")
  .refine((n) => !n.startsWith("router:"), "names starting with router: are routers");

const baseUrl = z
  .url()
  .max(2000)
  .refine((u) => /^https?:\/\//.test(u), "baseUrl must be http(s)");
const apiKey = z.string().min(1).max(5000);
const timeoutMs = z.number().int().min(100).max(600_000);
const maxRetries = z.number().int().min(0).max(10);
const maxConcurrency = z.number().int().min(1).max(10_000);

export const providerInput = z.object({
  name: endpointName,
  baseUrl,
  /** stored encrypted; never returned */
  apiKey: apiKey.optional(),
  timeoutMs: timeoutMs.default(60_000),
  maxRetries: maxRetries.default(2),
  maxConcurrency: maxConcurrency.default(16),
});
export type ProviderInput = z.infer<typeof providerInput>;

/** A field left out keeps its value (no defaults here: `.partial()` would keep them); apiKey null removes the key. */
export const providerUpdate = z.object({
  providerId: z.uuid(),
  name: endpointName.optional(),
  baseUrl: baseUrl.optional(),
  apiKey: apiKey.nullable().optional(),
  timeoutMs: timeoutMs.optional(),
  maxRetries: maxRetries.optional(),
  maxConcurrency: maxConcurrency.optional(),
});

const price = z.number().min(0).max(10_000);
export const deploymentInput = z
  .object({
    name: endpointName,
    kind: z.enum(["local", "provider"]),
    task: z.enum(["chat", "completion", "embedding", "classification"]),
    /** local: a registry model and an alias or version number (default production) */
    modelName: z.string().trim().min(1).max(200).optional(),
    modelRef: z.string().trim().min(1).max(60).default("production"),
    /** provider: its name and the upstream's model id */
    provider: z.string().trim().min(1).max(200).optional(),
    providerModel: z.string().trim().min(1).max(200).optional(),
    inputPricePer1k: price.default(0),
    outputPricePer1k: price.default(0),
    defaults: z.record(z.string(), z.unknown()).default({}),
    batching: z
      .object({ windowMs: z.number().int().min(0).max(1000), maxBatch: z.number().int().min(1).max(256) })
      .default({ windowMs: 5, maxBatch: 16 }),
  })
  .superRefine((d, ctx) => {
    if (d.kind === "local" && !d.modelName)
      ctx.addIssue({ code: "custom", path: ["modelName"], message: "a local deployment names a registry model" });
    if (d.kind === "provider" && !d.provider)
      ctx.addIssue({ code: "custom", path: ["provider"], message: "a provider deployment names a provider" });
    if (d.kind === "provider" && !d.providerModel)
      ctx.addIssue({ code: "custom", path: ["providerModel"], message: "a provider deployment names the upstream model" });
  });
export type DeploymentInput = z.infer<typeof deploymentInput>;
