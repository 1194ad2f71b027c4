import { z } from "zod";
import * as schema from "../../db/schema";
import { rowSchema } from "../core/output-schema";
import { ROLES } from "../workspace";
import { aliasActorOut } from "./activity";
import { aliasName, modelName, policyFields, tags, versionMetaInput } from "./inputs";

export {
  aliasName,
  type CreateModelInput,
  createModelInput,
  lineageInput,
  modelName,
  moveAliasInput,
  type VersionMeta,
  versionMetaInput,
} from "./inputs";

export const updateModelInput = z.object({
  model: modelName,
  description: z.string().max(20_000).nullable().optional(),
  task: z.string().trim().max(100).nullable().optional(),
  tags: tags.optional(),
});

export const createUriVersionInput = versionMetaInput.extend({
  model: modelName,
  uri: z.url().max(2000),
});

export const versionRef = z.object({
  model: modelName,
  /** a version number, or an alias name */
  version: z.union([z.number().int().positive(), aliasName]),
});

/** The policy form's schema with the roles narrowed to the workspace's (the form offers only those). */
export const policyInput = policyFields.extend({ approverRoles: z.array(z.enum(ROLES)).min(1, "pick at least one approver role") });
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
  /** the prompt's tags, shared by all its versions */
  tags: z.array(z.string()),
  commitMessage: z.string().nullable(),
  createdAt: z.date(),
});
export const createdPromptOut = z.object({
  name: z.string(),
  version: z.number(),
  labels: z.array(z.string()),
  tags: z.array(z.string()),
  pending: z.array(z.object({ label: z.string(), request: requestOut })),
});
export const promptSummaryOut = z.object({
  name: z.string(),
  latestVersion: z.number(),
  labels: z.array(z.object({ label: z.string(), version: z.number() })),
  tags: z.array(z.string()),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export const promptTagsOut = z.object({ name: z.string(), tags: z.array(z.string()) });
/** A row of a prompt's versions list (prompt-versions.ts): the template, its config, labels and author. */
export const promptVersionRowOut = z.object({
  id: z.string(),
  version: z.number(),
  type: z.enum(["text", "chat"]),
  prompt: z.string().optional(),
  messages: z.array(promptMessageOut).optional(),
  config: z.record(z.string(), z.unknown()),
  labels: z.array(z.string()),
  commitMessage: z.string().nullable(),
  author: z.string().nullable(),
  createdAt: z.date(),
});
export const promptVersionOptionOut = z.object({ id: z.string(), name: z.string(), version: z.number() });
