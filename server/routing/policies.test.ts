import { describe, expect, it } from "vitest";
import { cascadeConfigSchema, rulesConfigSchema, splitConfigSchema } from "./inputs";
import {
  approxTokens,
  type CascadeConfig,
  cascadeDecide,
  cascadeStart,
  compileRules,
  decideLearned,
  decideSplit,
  lastUserMessage,
  meanLogprob,
  promptText,
  type RouteRequest,
  type RulesConfig,
  shouldEscalate,
  stickyFraction,
} from "./policies";

const chat = (user: string, metadata?: Record<string, unknown>): RouteRequest => ({
  messages: [
    { role: "system", content: "You are terse." },
    { role: "user", content: user },
  ],
  metadata,
});

describe("request text", () => {
  it("joins every message for length and reads the last user message for regexes", () => {
    const req: RouteRequest = {
      messages: [
        { role: "user", content: "first question" },
        { role: "assistant", content: "an answer" },
        { role: "user", content: [{ type: "text", text: "second" }, { type: "image_url" }, { type: "text", text: "part" }] },
      ],
    };
    expect(promptText(req)).toBe("first question\nan answer\nsecond\npart");
    expect(lastUserMessage(req)).toBe("second\npart");
    expect(promptText({ prompt: "plain completion" })).toBe("plain completion");
    expect(lastUserMessage({ prompt: ["a", "b"] })).toBe("b");
    expect(approxTokens("12345678")).toBe(2);
    expect(approxTokens("123456789")).toBe(3);
  });
});

describe("rules", () => {
  const config: RulesConfig = rulesConfigSchema.parse({
    rules: [
      { name: "vip", when: { type: "tier", in: ["enterprise", "pro"] }, target: "big" },
      { when: { type: "metadata", key: "task", equals: "code" }, target: "coder" },
      { when: { type: "regex", pattern: "\\b(prove|derive)\\b", flags: "i" }, target: "big" },
      { when: { type: "length", op: ">", value: 50, unit: "tokens" }, target: "big" },
      { when: { type: "length", op: "<", value: 40 }, target: "tiny" },
    ],
    default: "small",
    large: ["big"],
  });
  const route = compileRules(config);

  it("takes the first matching rule, in order", () => {
    expect(route(chat("hello", { tier: "pro", task: "code" }))).toEqual({
      target: "big",
      large: true,
      reason: 'rule "vip" (tier in [enterprise, pro]) matched',
    });
    expect(route(chat("hello", { tier: "free", task: "code" }))).toEqual({
      target: "coder",
      large: false,
      reason: 'rule 2 (metadata.task = "code") matched',
    });
    expect(route(chat("Please PROVE that the sum of two even numbers is even"))).toMatchObject({ target: "big", large: true });
    // "prove" in the system prompt only: the regex reads the last user message
    expect(
      route({
        messages: [
          { role: "system", content: "prove everything" },
          { role: "user", content: "x".repeat(50) },
        ],
      }),
    ).toMatchObject({
      target: "small",
    });
  });

  it("measures length over all messages, in characters or approximate tokens", () => {
    expect(route(chat("y".repeat(200)))).toMatchObject({ target: "big", reason: "rule 4 (length > 50 tokens) matched" }); // 215 chars -> 54 tokens
    expect(route(chat("y".repeat(180)))).toMatchObject({ target: "small", reason: "no rule matched: default" }); // 195 chars -> 49 tokens
    expect(route(chat("short"))).toMatchObject({ target: "tiny", large: false, reason: "rule 5 (length < 40 chars) matched" });
  });

  it("does not match metadata by prototype keys or loose equality", () => {
    const r = compileRules({ rules: [{ when: { type: "metadata", key: "n", equals: 1 }, target: "a" }], default: "b" });
    expect(r(chat("x", { n: "1" })).target).toBe("b");
    expect(r(chat("x", { n: 1 })).target).toBe("a");
    expect(
      compileRules({ rules: [{ when: { type: "metadata", key: "toString", equals: null }, target: "a" }], default: "b" })(chat("x", {}))
        .target,
    ).toBe("b");
  });

  it("validates configs: a regex must compile", () => {
    expect(() => rulesConfigSchema.parse({ rules: [{ when: { type: "regex", pattern: "(" }, target: "a" }], default: "b" })).toThrow(
      "not a valid regular expression",
    );
    expect(() => splitConfigSchema.parse({ targets: [{ target: "a", weight: 0 }] })).toThrow("positive weight");
  });
});

describe("weighted split and canary", () => {
  const canary = splitConfigSchema.parse({
    targets: [
      { target: "stable", weight: 90 },
      { target: "canary", weight: 10, large: true },
    ],
  });

  it("hashes routerId and userId to a fixed fraction: the first 8 bytes of sha256 over 2^64 (top 53 bits)", () => {
    // echo -n router-1:user-42 | sha256sum -> bbb5b32029181032...
    expect(stickyFraction("router-1", "user-42")).toBe(Number(0xbbb5b32029181032n >> 11n) / 2 ** 53);
    expect(stickyFraction("router-2", "user-42")).not.toBe(stickyFraction("router-1", "user-42"));
  });

  it("keeps a user on one target and splits users by weight", () => {
    const first = decideSplit(canary, "r1", "alice");
    for (let i = 0; i < 5; i++) expect(decideSplit(canary, "r1", "alice", () => 0.999)).toEqual(first);
    let onCanary = 0;
    for (let u = 0; u < 10_000; u++) if (decideSplit(canary, "r1", `user-${u}`).target === "canary") onCanary++;
    expect(onCanary / 10_000).toBeGreaterThan(0.09);
    expect(onCanary / 10_000).toBeLessThan(0.11);
  });

  it("draws at random without a user id", () => {
    expect(decideSplit(canary, "r1", null, () => 0.05)).toEqual({
      target: "stable",
      large: false,
      reason: "split 90%: random (no user id)",
    });
    expect(decideSplit(canary, "r1", "", () => 0.95)).toEqual({ target: "canary", large: true, reason: "split 10%: random (no user id)" });
    const three = {
      targets: [
        { target: "a", weight: 1 },
        { target: "off", weight: 0 },
        { target: "b", weight: 3 },
      ],
    };
    expect(decideSplit(three, "r", undefined, () => 0.2).target).toBe("a");
    expect(decideSplit(three, "r", undefined, () => 0.25).target).toBe("b");
    expect(() => decideSplit({ targets: [{ target: "a", weight: 0 }] }, "r")).toThrow("positive weight");
  });
});

describe("cascade", () => {
  const config: CascadeConfig = cascadeConfigSchema.parse({ small: "s", large: "l", minMeanLogprob: -1.5, checks: { nonEmpty: true } });

  it("starts small and escalates on a low mean log-probability", () => {
    expect(cascadeStart(config)).toEqual({ target: "s", large: false, reason: "cascade: small model first" });
    expect(meanLogprob([-1, -2, -3])).toBe(-2);
    expect(meanLogprob([])).toBeNull();
    expect(shouldEscalate({ text: "ok", meanLogprob: -2 }, config)).toEqual({ escalate: true, reason: "mean logprob -2.000 < -1.5" });
    expect(shouldEscalate({ text: "ok", meanLogprob: -1.5 }, config)).toEqual({ escalate: false, reason: "checks passed" });
    expect(shouldEscalate({ text: "ok" }, config)).toEqual({ escalate: false, reason: "checks passed (no logprobs)" });
    expect(cascadeDecide(config, { text: "ok", meanLogprob: -3 })).toEqual({
      target: "l",
      large: true,
      reason: "cascade: escalated (mean logprob -3.000 < -1.5)",
    });
    expect(cascadeDecide(config, { text: "ok", meanLogprob: -0.1 })).toMatchObject({ target: "s", large: false });
  });

  it("escalates when a check fails: non-empty, regex, JSON", () => {
    expect(shouldEscalate({ text: "  \n" }, config)).toEqual({ escalate: true, reason: "empty answer" });
    const regex = { checks: { regex: "^(yes|no)\\b" } };
    expect(shouldEscalate({ text: "yes, because" }, regex).escalate).toBe(false);
    expect(shouldEscalate({ text: "maybe" }, regex)).toEqual({ escalate: true, reason: "answer does not match /^(yes|no)\\b/" });
    const json = { checks: { json: true } };
    expect(shouldEscalate({ text: ' {"a": 1}\n' }, json).escalate).toBe(false);
    expect(shouldEscalate({ text: "{a: 1}" }, json)).toEqual({ escalate: true, reason: "answer is not valid JSON" });
    expect(shouldEscalate({ text: "" }, {})).toEqual({ escalate: false, reason: "checks passed" });
  });
});

describe("learned", () => {
  it("routes large when P(small good enough) is under the threshold", () => {
    const cfg = { small: "s", large: "l" };
    expect(decideLearned(cfg, { threshold: 0.4 }, 0.7)).toEqual({
      target: "s",
      large: false,
      probability: 0.7,
      reason: "learned: P(small good enough) = 0.700 >= 0.400",
    });
    expect(decideLearned(cfg, { threshold: 0.4 }, 0.39)).toMatchObject({ target: "l", large: true });
    expect(decideLearned({ ...cfg, threshold: 0.8 }, { threshold: 0.4 }, 0.7)).toMatchObject({ target: "l", large: true });
    expect(decideLearned(cfg, { threshold: 0.4 }, Number.NaN)).toMatchObject({ target: "l", large: true });
  });
});
