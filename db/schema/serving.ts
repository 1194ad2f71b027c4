import { boolean, doublePrecision, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, projectRef, updatedAt } from "./workspace";

/**
 * An OpenAI-compatible upstream (OpenAI, vLLM, Ollama, another Keel). The key is stored encrypted
 * (AES-256-GCM under KEEL_SECRET, `server/core/secrets.ts`) and never returned.
 */
export const providers = pgTable(
  "providers",
  {
    id: id(),
    projectId: projectRef(),
    name: text("name").notNull(),
    baseUrl: text("base_url").notNull(),
    /** `v1.<iv>.<tag>.<ciphertext>` base64url, or null for an upstream without a key */
    apiKeyEnc: text("api_key_enc"),
    timeoutMs: integer("timeout_ms").notNull().default(60_000),
    maxRetries: integer("max_retries").notNull().default(2),
    maxConcurrency: integer("max_concurrency").notNull().default(16),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("providers_project_name_key").on(t.projectId, t.name)],
);

export type DeploymentTask = "chat" | "completion" | "embedding" | "classification";

/**
 * A named endpoint the gateway serves (`model: "<name>"`): a registry model at an alias (served
 * locally, following the alias as it moves) or a provider's model; prices for cost accounting.
 */
export const deployments = pgTable(
  "deployments",
  {
    id: id(),
    projectId: projectRef(),
    name: text("name").notNull(),
    kind: text("kind", { enum: ["local", "provider"] }).notNull(),
    task: text("task", { enum: ["chat", "completion", "embedding", "classification"] }).notNull(),
    /** local: registry model name and alias (or a pinned version number as text) */
    modelName: text("model_name"),
    modelRef: text("model_ref"),
    /** provider: which upstream, and the model name it knows */
    providerId: uuid("provider_id").references(() => providers.id, { onDelete: "restrict" }),
    providerModel: text("provider_model"),
    /** USD per 1,000 tokens */
    inputPricePer1k: doublePrecision("input_price_per_1k").notNull().default(0),
    outputPricePer1k: doublePrecision("output_price_per_1k").notNull().default(0),
    /** defaults for requests that leave them out: max_tokens, temperature, ... */
    defaults: jsonb("defaults").$type<Record<string, unknown>>().notNull().default({}),
    /** dynamic batching of local calls: a window and a largest batch */
    batching: jsonb("batching").$type<{ windowMs: number; maxBatch: number }>().notNull().default({ windowMs: 5, maxBatch: 16 }),
    active: boolean("active").notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("deployments_project_name_key").on(t.projectId, t.name), index("deployments_provider_idx").on(t.providerId)],
);
