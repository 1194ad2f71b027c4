/**
 * Routing policies: pure functions from a request (and, per kind, a user id, a small model's answer
 * or a learned model's probability) to a decision { target, large, reason }. The gateway calls:
 *   rules    compileRules(config)(request)              (compile once per router config, then per call)
 *   split    decideSplit(config, routerId, request.user)
 *   cascade  cascadeStart(config), then cascadeDecide(config, smallAnswer) after the small model answered
 *   learned  decideLearned(config, model, P) with P = predictRouterModel(model, prompt, embedding) (any stored kind, candidates.ts)
 * `reason` is short text for logs and the dashboard.
 */
import { createHash } from "node:crypto";
import type { CandidateKind } from "./candidate-kinds";

export interface Decision {
  /** a deployment name */
  target: string;
  /** the target is the router's large (expensive) one */
  large: boolean;
  reason: string;
}

/** The parts of a chat/completions request the policies read. `content` may be a string or OpenAI content parts. */
export interface RouteRequest {
  messages?: ReadonlyArray<{ role: string; content?: unknown }>;
  /** /v1/completions */
  prompt?: string | string[];
  /** the end user's id (OpenAI's `user`) */
  user?: string | null;
  metadata?: Record<string, unknown> | null;
}

const contentText = (content: unknown): string => {
  if (typeof content === "string") return content;
  if (Array.isArray(content))
    return content
      .map((p) => (p && typeof p === "object" && typeof (p as { text?: unknown }).text === "string" ? (p as { text: string }).text : ""))
      .filter(Boolean)
      .join("\n");
  return "";
};

/** All prompt text of a request: every message's text joined by newlines (or the completions prompt). */
export function promptText(req: RouteRequest): string {
  if (req.messages?.length) return req.messages.map((m) => contentText(m.content)).join("\n");
  return Array.isArray(req.prompt) ? req.prompt.join("\n") : (req.prompt ?? "");
}

/** The text of the last user message (or the completions prompt). */
export function lastUserMessage(req: RouteRequest): string {
  const msgs = req.messages ?? [];
  for (let i = msgs.length - 1; i >= 0; i--) if (msgs[i]?.role === "user") return contentText(msgs[i]?.content);
  return msgs.length ? "" : Array.isArray(req.prompt) ? (req.prompt.at(-1) ?? "") : (req.prompt ?? "");
}

/** Approximate tokens: one per 4 characters (OpenAI's rule of thumb for English), rounded up. */
export const approxTokens = (text: string) => Math.ceil(text.length / 4);

// ---- rules ----

export type RuleCondition =
  /** prompt length (all messages) in characters or approximate tokens, strictly greater / less than `value` */
  | { type: "length"; op: ">" | "<"; value: number; unit?: "chars" | "tokens" }
  /** a JavaScript regular expression tested on the last user message */
  | { type: "regex"; pattern: string; flags?: string }
  /** request metadata[key] === equals */
  | { type: "metadata"; key: string; equals: string | number | boolean | null }
  /** metadata.tier is one of `in` */
  | { type: "tier"; in: string[] };

export interface Rule {
  when: RuleCondition;
  target: string;
  name?: string;
}

export interface RulesConfig {
  /** tried in order; the first match decides */
  rules: Rule[];
  /** target when no rule matches */
  default: string;
  /** the targets that count as large (for the share of large calls and savings) */
  large?: string[];
}

const describe = (c: RuleCondition): string => {
  switch (c.type) {
    case "length":
      return `length ${c.op} ${c.value} ${c.unit ?? "chars"}`;
    case "regex":
      return `matches /${c.pattern}/${c.flags ?? ""}`;
    case "metadata":
      return `metadata.${c.key} = ${JSON.stringify(c.equals)}`;
    case "tier":
      return `tier in [${c.in.join(", ")}]`;
  }
};

/** Compile a rules config once (regexes built here); the returned function decides per request. */
export function compileRules(config: RulesConfig): (req: RouteRequest) => Decision {
  const large = new Set(config.large ?? []);
  const tests = config.rules.map((rule, i) => {
    const c = rule.when;
    const label = `rule ${rule.name ? JSON.stringify(rule.name) : i + 1} (${describe(c)})`;
    let test: (req: RouteRequest) => boolean;
    switch (c.type) {
      case "length": {
        const size = c.unit === "tokens" ? (r: RouteRequest) => approxTokens(promptText(r)) : (r: RouteRequest) => promptText(r).length;
        test = c.op === ">" ? (r) => size(r) > c.value : (r) => size(r) < c.value;
        break;
      }
      case "regex": {
        // no global/sticky flags: `test` would keep lastIndex between calls
        const re = new RegExp(c.pattern, (c.flags ?? "").replace(/[gy]/g, ""));
        test = (r) => re.test(lastUserMessage(r));
        break;
      }
      case "metadata":
        test = (r) => r.metadata != null && Object.hasOwn(r.metadata, c.key) && r.metadata[c.key] === c.equals;
        break;
      case "tier": {
        const tiers = new Set(c.in);
        test = (r) => typeof r.metadata?.tier === "string" && tiers.has(r.metadata.tier);
        break;
      }
    }
    return { test, target: rule.target, label };
  });
  const fallback: Decision = { target: config.default, large: large.has(config.default), reason: "no rule matched: default" };
  return (req) => {
    for (const t of tests) if (t.test(req)) return { target: t.target, large: large.has(t.target), reason: `${t.label} matched` };
    return fallback;
  };
}

// ---- weighted split / canary ----

export interface SplitConfig {
  /** weights are relative (need not sum to 1 or 100); a canary is e.g. [{stable, 95}, {canary, 5}] */
  targets: Array<{ target: string; weight: number; large?: boolean }>;
}

/**
 * A user's fixed position in [0, 1) for one router: the first 8 bytes of sha256(routerId + ":" +
 * userId) as an unsigned big-endian integer over 2^64, keeping its top 53 bits (what a double holds
 * exactly, so the result is never rounded up to 1). The same in every process and machine, so a
 * user keeps their target while the weights stay the same (and moves only across changed boundaries).
 */
export function stickyFraction(routerId: string, userId: string): number {
  const h = createHash("sha256").update(`${routerId}:${userId}`).digest();
  return Number(h.readBigUInt64BE(0) >> 11n) / 2 ** 53;
}

/** Weighted choice; sticky by user id when there is one, else `random()` (Math.random by default). */
export function decideSplit(config: SplitConfig, routerId: string, userId?: string | null, random: () => number = Math.random): Decision {
  const targets = config.targets.filter((t) => t.weight > 0);
  const total = targets.reduce((a, t) => a + t.weight, 0);
  if (!targets.length || !(total > 0)) throw new RangeError("a split needs at least one target with a positive weight");
  const sticky = userId != null && userId !== "";
  const u = sticky ? stickyFraction(routerId, userId) : random();
  let acc = 0;
  let chosen = targets[targets.length - 1] as (typeof targets)[number];
  for (const t of targets) {
    acc += t.weight / total;
    if (u < acc) {
      chosen = t;
      break;
    }
  }
  const pct = Math.round((chosen.weight / total) * 1000) / 10;
  return {
    target: chosen.target,
    large: chosen.large ?? false,
    reason: `split ${pct}%: ${sticky ? "sticky by user" : "random (no user id)"}`,
  };
}

// ---- cascade ----

export interface CascadeConfig {
  small: string;
  large: string;
  /** escalate when the small answer's mean token log-probability is under this (natural log, <= 0) */
  minMeanLogprob?: number;
  checks?: {
    /** escalate on an empty (whitespace-only) answer */
    nonEmpty?: boolean;
    /** escalate unless the answer matches this regex */
    regex?: string;
    /** escalate unless the answer (trimmed) parses as JSON */
    json?: boolean;
  };
}

export interface SmallAnswer {
  text: string;
  /** mean of the answer's token log-probabilities; absent when the provider gave none */
  meanLogprob?: number | null;
}

/** Mean of token log-probabilities (null for no tokens). */
export function meanLogprob(tokenLogprobs: readonly number[]): number | null {
  return tokenLogprobs.length ? tokenLogprobs.reduce((a, b) => a + b, 0) / tokenLogprobs.length : null;
}

/**
 * Whether the cascade escalates the small answer to the large model, and why. Checks run in order:
 * non-empty, regex, JSON, then the log-probability threshold. A missing log-probability does not
 * escalate (the provider gives none; the checks still apply).
 */
export function shouldEscalate(
  answer: SmallAnswer,
  config: Pick<CascadeConfig, "minMeanLogprob" | "checks">,
): { escalate: boolean; reason: string } {
  const c = config.checks ?? {};
  if (c.nonEmpty && answer.text.trim() === "") return { escalate: true, reason: "empty answer" };
  if (c.regex !== undefined && !new RegExp(c.regex).test(answer.text))
    return { escalate: true, reason: `answer does not match /${c.regex}/` };
  if (c.json) {
    try {
      JSON.parse(answer.text.trim());
    } catch {
      return { escalate: true, reason: "answer is not valid JSON" };
    }
  }
  const lp = answer.meanLogprob;
  if (config.minMeanLogprob !== undefined && lp != null && lp < config.minMeanLogprob)
    return { escalate: true, reason: `mean logprob ${lp.toFixed(3)} < ${config.minMeanLogprob}` };
  return { escalate: false, reason: lp == null && config.minMeanLogprob !== undefined ? "checks passed (no logprobs)" : "checks passed" };
}

/** The cascade's first step: always the small model. */
export function cascadeStart(config: CascadeConfig): Decision {
  return { target: config.small, large: false, reason: "cascade: small model first" };
}

/** The cascade's decision once the small model answered: keep it, or escalate to the large one. */
export function cascadeDecide(config: CascadeConfig, answer: SmallAnswer): Decision {
  const v = shouldEscalate(answer, config);
  return v.escalate
    ? { target: config.large, large: true, reason: `cascade: escalated (${v.reason})` }
    : { target: config.small, large: false, reason: `cascade: small answer kept (${v.reason})` };
}

// ---- learned ----

export interface LearnedConfig {
  small: string;
  large: string;
  /** overrides the trained model's calibrated threshold */
  threshold?: number;
  /** the model kinds training chooses between (candidates.ts); default all */
  candidates?: CandidateKind[];
}

/** Route large when P(small good enough) < threshold (the config's, else the model's calibrated one). */
export function decideLearned(
  config: LearnedConfig,
  model: { threshold: number },
  probability: number,
): Decision & { probability: number } {
  const t = config.threshold ?? model.threshold;
  const large = !(probability >= t); // NaN goes large: never save cost on a broken prediction
  return {
    target: large ? config.large : config.small,
    large,
    probability,
    reason: `learned: P(small good enough) = ${probability.toFixed(3)} ${large ? "<" : ">="} ${t.toFixed(3)}`,
  };
}
