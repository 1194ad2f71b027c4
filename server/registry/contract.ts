import { z } from "zod";
import * as schema from "../../db/schema";
import { rowSchema } from "../core/output-schema";
import { ROLES } from "../workspace";
import { aliasActorOut } from "./activity";
import { aliasName, modelName, tags } from "./inputs";

export { aliasName, type CreateModelInput, createModelInput, modelName } from "./inputs";

export const updateModelInput = z.object({
  model: modelName,
  description: z.string().max(20_000).nullable().optional(),
  task: z.string().trim().max(100).nullable().optional(),
  tags: tags.optional(),
});

/** Finite numbers only: a metric of NaN or Infinity is refused, naming the key. */
const finiteMetrics = z
  .record(z.string().min(1).max(250), z.unknown())
  .superRefine((m, ctx) => {
    for (const [k, v] of Object.entries(m))
      if (typeof v !== "number" || !Number.isFinite(v))
        ctx.addIssue({ code: "custom", path: [k], message: `metric ${k} must be a finite number` });
  })
  .transform((m) => m as Record<string, number>);

export const lineageInput = z.object({
  parentVersion: z.number().int().positive().optional(),
  /** a parent in another model of the project (a tuning job's base model version), by id */
  parentVersionId: z.uuid().optional(),
  datasetVersionId: z.uuid().optional(),
  tuningJobId: z.uuid().optional(),
  runId: z.uuid().optional(),
  codeRevision: z.string().trim().max(200).optional(),
  evalRunIds: z.array(z.uuid()).max(50).optional(),
});

/** Everything about a version except its files: JSON body, or the `meta` part of a multipart upload. */
export const versionMetaInput = z.object({
  description: z.string().max(20_000).optional(),
  card: z.string().max(200_000).optional(),
  format: z.enum(["transformers.js", "keel-head", "onnx", "uri", "files"]).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  params: z.record(z.string().min(1).max(250), z.string().max(6000)).optional(),
  metrics: finiteMetrics.optional(),
  lineage: lineageInput.optional(),
});
export type VersionMeta = z.infer<typeof versionMetaInput>;

export const createUriVersionInput = versionMetaInput.extend({
  model: modelName,
  uri: z.url().max(2000),
});

export const versionRef = z.object({
  model: modelName,
  /** a version number, or an alias name */
  version: z.union([z.number().int().positive(), aliasName]),
});

export const moveAliasInput = z.object({
  model: modelName,
  alias: aliasName,
  version: z.number().int().positive(),
  reason: z.string().trim().max(2000).optional(),
});

export const policyInput = z.object({
  model: modelName,
  /** the aliases the policy guards; "*" for all */
  aliases: z
    .array(z.union([aliasName, z.literal("*")]))
    .min(1)
    .max(20),
  requiredApprovals: z.number().int().min(0).max(10),
  approverRoles: z.array(z.enum(ROLES)).min(1),
  gateIds: z.array(z.uuid()).max(10),
});
export type PolicyInput = z.infer<typeof policyInput>;

export const voteInput = z.object({
  requestId: z.uuid(),
  decision: z.enum(["approve", "reject"]),
  comment: z.string().trim().max(5000).optional(),
});

// ---- outputs (issue 15: every procedure declares one; the OpenAPI document is generated from them)

export const modelOut = rowSchema(schema.registeredModels);
export const modelSummaryOut = modelOut.extend({ aliases: z.array(z.object({ alias: z.string(), version: z.number() })) });
export const versionOut = rowSchema(schema.modelVersions).extend({ model: z.string(), aliases: z.array(z.string()) });
export const fileRefOut = z.object({ path: z.string(), sha256: z.string(), size: z.number() });
export const aliasOut = z.object({ alias: z.string(), version: z.number(), versionId: z.string(), updatedAt: z.date() });
export const policyOut = rowSchema(schema.approvalPolicies);
export const modelDetailOut = modelOut.extend({ aliases: z.array(aliasOut), policy: policyOut.nullable() });
export const lineageOut = z.object({
  nodes: z.array(
    z.object({
      id: z.string(),
      kind: z.enum(["dataset", "job", "run", "parent", "version", "eval", "alias", "router", "drift"]),
      label: z.string(),
      detail: z.string().optional(),
    }),
  ),
  edges: z.array(z.object({ from: z.string(), to: z.string(), label: z.string().optional() })),
});
export const requestOut = rowSchema(schema.approvalRequests).extend({
  model: z.string(),
  version: z.number(),
  votes: z.array(
    z.object({
      userId: z.string(),
      email: z.string().nullable(),
      decision: z.enum(["approve", "reject"]),
      comment: z.string().nullable(),
      createdAt: z.date(),
    }),
  ),
  requestedByEmail: z.string().nullable(),
});
const moved = z.object({ model: z.string(), alias: z.string(), version: z.number() });
export const movedOut = moved.extend({ status: z.literal("moved"), previous: z.number().nullable() });
export const moveOut = z.discriminatedUnion("status", [
  moved.extend({ status: z.enum(["moved", "unchanged"]), previous: z.number().nullable() }),
  moved.extend({ status: z.literal("pending"), request: requestOut }),
]);
export const aliasTransitionOut = z.object({
  id: z.string(),
  alias: z.string(),
  kind: z.enum(["move", "rollback", "delete"]),
  from: z.number().nullable(),
  to: z.number().nullable(),
  reason: z.string().nullable(),
  requestId: z.string().nullable(),
  actorEmail: z.string().nullable(),
  actorKeyId: z.string().nullable(),
  /** who moved it, named: a member, a key (and its creator), or the command line */
  actor: aliasActorOut,
  createdAt: z.date(),
});
export const deletedOut = z.object({ deleted: z.boolean() });

// ---- prompts (prompts.ts)

export const promptMessageOut = z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() });
/** `prompt` for a text prompt, `messages` for a chat prompt */
export const promptOut = z.object({
  name: z.string(),
  version: z.number(),
  type: z.enum(["text", "chat"]),
  prompt: z.string().optional(),
  messages: z.array(promptMessageOut).optional(),
  config: z.record(z.string(), z.unknown()),
  labels: z.array(z.string()),
  commitMessage: z.string().nullable(),
  createdAt: z.date(),
});
export const createdPromptOut = z.object({
  name: z.string(),
  version: z.number(),
  labels: z.array(z.string()),
  pending: z.array(z.object({ label: z.string(), request: requestOut })),
});
export const promptSummaryOut = z.object({
  name: z.string(),
  latestVersion: z.number(),
  labels: z.array(z.object({ label: z.string(), version: z.number() })),
  createdAt: z.date(),
  updatedAt: z.date(),
});
