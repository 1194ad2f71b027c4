import { z } from "zod";
import { errorField, errorMessage } from "@/app/_lib/errors";
import {
  cacheInput,
  cascadeConfigSchema,
  learnedConfigSchema,
  routerInput,
  routerName,
  ruleCondition,
  rulesConfigSchema,
  splitConfigSchema,
} from "@/server/routing/inputs";

export type Kind = z.infer<typeof routerInput>["kind"];
export type CondType = z.infer<typeof ruleCondition>["type"];

/** One rule as typed: its condition's value is one text box (length: a number; metadata: key=value; tier: a, b). */
export interface RuleDraft {
  when: { type: CondType; op?: string; value: string; unit?: "chars" | "tokens"; flags?: string };
  target: string;
  /** kept from a saved rule that the form does not show */
  name?: string;
}

/**
 * A router as the form holds it: one section per kind (switching kind keeps each one's values), the
 * chosen one checked by that kind's own config schema from server/routing/inputs.ts.
 */
export interface RouterDraft {
  name: string;
  kind: Kind;
  active: boolean;
  fallbacks: string[];
  cache: { exact: boolean; semantic: number | null; ttlSeconds: number };
  rules: { rules: RuleDraft[]; default: string; large: string[] };
  split: { targets: { target: string; weight: number; large: boolean }[] };
  cascade: { small: string; large: string; minMeanLogprob?: number; checks: { nonEmpty?: boolean; regex?: string; json?: boolean } };
  learned: { small: string; large: string; margin: number; [kept: string]: unknown };
}

/** The condition a rule's text box stands for, checked by the server's ruleCondition; its errors land on the box. */
const ruleWhen = z
  .object({ type: z.string(), op: z.string().optional(), value: z.string(), unit: z.string().optional(), flags: z.string().optional() })
  .transform((w, ctx) => {
    const v = w.value.trim();
    const eq = v.indexOf("=");
    const raw =
      w.type === "length"
        ? { type: "length", op: w.op === "<" ? "<" : ">", value: v ? Number(v) : undefined, unit: w.unit ?? "chars" }
        : w.type === "regex"
          ? { type: "regex", pattern: v, ...(w.flags ? { flags: w.flags } : {}) }
          : w.type === "metadata"
            ? { type: "metadata", key: eq < 1 ? "" : v.slice(0, eq).trim(), equals: v.slice(eq + 1).trim() }
            : {
                type: w.type,
                in: v
                  .split(",")
                  .map((t) => t.trim())
                  .filter(Boolean),
              };
    const parsed = ruleCondition.safeParse(raw);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", path: ["value"], message: issue.message });
    return z.NEVER;
  });

const rulesSection = rulesConfigSchema.extend({
  rules: z.array(rulesConfigSchema.shape.rules.element.extend({ when: ruleWhen })).max(100),
});
const SECTIONS = { rules: rulesSection, split: splitConfigSchema, cascade: cascadeConfigSchema, learned: learnedConfigSchema };

/** The router form: the server's routerInput, with `config` the chosen kind's section (errors under its fields). */
export const routerForm = z
  .object({
    name: routerName,
    kind: routerInput.shape.kind,
    active: z.boolean(),
    fallbacks: routerInput.shape.fallbacks,
    cache: cacheInput,
    rules: z.custom<RouterDraft["rules"]>(),
    split: z.custom<RouterDraft["split"]>(),
    cascade: z.custom<RouterDraft["cascade"]>(),
    learned: z.custom<RouterDraft["learned"]>(),
  })
  .superRefine((v, ctx) => {
    const parsed = SECTIONS[v.kind].safeParse(v[v.kind]);
    if (!parsed.success)
      for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", path: [v.kind, ...issue.path], message: issue.message });
  })
  .transform((v) => ({
    name: v.name,
    kind: v.kind,
    config: SECTIONS[v.kind].parse(v[v.kind]) as Record<string, unknown>,
    fallbacks: v.fallbacks,
    cache: v.cache,
    active: v.active,
  }));

export const newRule = (): RuleDraft => ({ when: { type: "length", op: ">", value: "" }, target: "" });

/** A new router's form. */
export const newRouterDraft = (): RouterDraft => ({
  name: "",
  kind: "rules",
  active: true,
  fallbacks: [],
  cache: { exact: false, semantic: null, ttlSeconds: 3600 },
  rules: { rules: [newRule()], default: "", large: [] },
  split: {
    targets: [
      { target: "", weight: 90, large: false },
      { target: "", weight: 10, large: true },
    ],
  },
  cascade: { small: "", large: "", checks: { nonEmpty: true } },
  learned: { small: "", large: "", margin: 0 },
});

type Obj = Record<string, unknown>;
const str = (v: unknown) => (typeof v === "string" ? v : "");
const rows = (v: unknown): Obj[] => (Array.isArray(v) ? (v.filter((x) => x && typeof x === "object") as Obj[]) : []);

function ruleDraft(rule: Obj): RuleDraft {
  const w = (rule.when ?? {}) as Obj;
  const base = { target: str(rule.target), ...(typeof rule.name === "string" ? { name: rule.name } : {}) };
  switch (w.type) {
    case "length":
      return {
        ...base,
        when: {
          type: "length",
          op: w.op === "<" ? "<" : ">",
          value: String(w.value ?? ""),
          unit: w.unit === "tokens" ? "tokens" : "chars",
        },
      };
    case "regex":
      return {
        ...base,
        when: { type: "regex", value: str(w.pattern), ...(typeof w.flags === "string" && w.flags ? { flags: w.flags } : {}) },
      };
    case "metadata":
      return {
        ...base,
        when: { type: "metadata", value: `${str(w.key)}=${w.equals === null || w.equals === undefined ? "" : String(w.equals)}` },
      };
    default:
      return { ...base, when: { type: "tier", value: Array.isArray(w.in) ? w.in.join(", ") : "" } };
  }
}

/** A saved router's form: its kind's section from its config (fields the form does not show kept as they are). */
export function routerDraft(r: {
  name: string;
  kind: Kind;
  active: boolean;
  config: unknown;
  fallbacks: string[];
  cache: RouterDraft["cache"];
}) {
  const d: RouterDraft = { ...newRouterDraft(), name: r.name, kind: r.kind, active: r.active, fallbacks: r.fallbacks, cache: r.cache };
  const c = (r.config ?? {}) as Obj;
  switch (r.kind) {
    case "rules": {
      const rules = rows(c.rules).map(ruleDraft);
      d.rules = {
        rules: rules.length ? rules : [newRule()],
        default: str(c.default),
        large: Array.isArray(c.large) ? c.large.map(String) : [],
      };
      break;
    }
    case "split":
      d.split = {
        targets: rows(c.targets).map((t) => ({ target: str(t.target), weight: Number(t.weight ?? 0), large: t.large === true })),
      };
      break;
    case "cascade":
      d.cascade = { ...(c as RouterDraft["cascade"]), small: str(c.small), large: str(c.large), checks: { ...((c.checks ?? {}) as Obj) } };
      break;
    case "learned":
      d.learned = { ...c, small: str(c.small), large: str(c.large), margin: typeof c.margin === "number" ? c.margin : 0 };
      break;
  }
  return d;
}

/**
 * The server's error in the form's terms: it names `config.…` (the chosen kind's section here) and a
 * rule's `when.pattern` (its one text box here).
 */
export function inFormTerms(err: unknown, kind: Kind): unknown {
  const field = errorField(err);
  if (!field?.startsWith("config")) return err;
  const mapped = `${kind}${field.slice("config".length)}`.replace(/\.when\.[^.]+$/, ".when.value");
  const message = errorMessage(err).replace(`${field}: `, "");
  return Object.assign(new Error(message), { data: { ...(err as { data?: object }).data, field: mapped } });
}

/** The form fields a server error may land under (applyServerError picks the most specific one it names). */
export function routerFields(d: Pick<RouterDraft, "rules" | "split">) {
  const rules = d.rules.rules.flatMap((_, i) => [`rules.rules.${i}.when.value`, `rules.rules.${i}.target`]);
  const split = d.split.targets.flatMap((_, i) => [`split.targets.${i}.target`, `split.targets.${i}.weight`]);
  return [
    "name",
    "fallbacks",
    "cache.semantic",
    "cache.ttlSeconds",
    ...rules,
    "rules.default",
    "rules.large",
    ...split,
    "split.targets",
    "cascade.small",
    "cascade.large",
    "cascade.minMeanLogprob",
    "cascade.checks.regex",
    "learned.small",
    "learned.large",
    "learned.margin",
  ] as never[];
}
