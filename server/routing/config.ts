/**
 * Zod schemas of each router kind's `config` (routers.config), matching the policy types in
 * policies.ts, for the service to validate a router before it is saved. Regexes must compile; their
 * length is capped (they run on every request). Target names are deployment names.
 */
import { z } from "zod";
import { CANDIDATE_KINDS } from "./candidate-kinds";
import type { CascadeConfig, LearnedConfig, RulesConfig, SplitConfig } from "./policies";

const target = z.string().trim().min(1).max(200);
const regex = z
  .string()
  .min(1)
  .max(500)
  .refine((p) => {
    try {
      new RegExp(p);
      return true;
    } catch {
      return false;
    }
  }, "not a valid regular expression");

const condition = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("length"),
    op: z.enum([">", "<"]),
    value: z.number().int().min(0),
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
    key: z.string().min(1).max(200),
    equals: z.union([z.string(), z.number(), z.boolean(), z.null()]),
  }),
  z.object({ type: z.literal("tier"), in: z.array(z.string().min(1)).min(1) }),
]);

export const rulesConfigSchema = z.object({
  rules: z.array(z.object({ when: condition, target, name: z.string().max(200).optional() })).max(100),
  default: target,
  large: z.array(target).default([]),
}) satisfies z.ZodType<RulesConfig, unknown>;

export const splitConfigSchema = z.object({
  targets: z
    .array(z.object({ target, weight: z.number().min(0).max(1e6), large: z.boolean().default(false) }))
    .min(1)
    .refine((ts) => ts.some((t) => t.weight > 0), "at least one target needs a positive weight"),
}) satisfies z.ZodType<SplitConfig, unknown>;

export const cascadeConfigSchema = z.object({
  small: target,
  large: target,
  minMeanLogprob: z.number().max(0).optional(),
  checks: z.object({ nonEmpty: z.boolean().optional(), regex: regex.optional(), json: z.boolean().optional() }).default({}),
}) satisfies z.ZodType<CascadeConfig, unknown>;

export const learnedConfigSchema = z.object({
  small: target,
  large: target,
  threshold: z.number().min(0).max(1).optional(),
  /** calibrate the threshold to this share of large calls at training time (default: the training data's share labelled "large needed") */
  targetLargeShare: z.number().min(0).max(1).optional(),
  /** label margin: small is good enough when small_quality >= large_quality - margin */
  margin: z.number().min(0).default(0),
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
