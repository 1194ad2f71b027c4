import { describe, expect, it } from "vitest";
import type { PromptTemplate } from "../../db/schema";
import { createPromptsClient, type KeelPrompt, KeelPromptVariableError } from "../../sdk/index";
import { DomainError } from "../../server/core/errors";
import { renderTemplate } from "../../server/registry/prompt-render";

/**
 * The SDK keeps its own copy of the `{{variable}}` rule (it ships without server code): both copies run
 * over the same cases and must agree on every output and every error.
 */
const CASES: { template: PromptTemplate; variables: Record<string, string | number | boolean> }[] = [
  { template: { type: "text", prompt: "Answer {{question}} for {{ user.name }}" }, variables: { question: "why?", "user.name": "Ann" } },
  { template: { type: "text", prompt: "{{a}}{{a}} {{b-c}} {{d_e}}" }, variables: { a: 1, "b-c": true, d_e: "x" } },
  // no escape: braces around anything that is not a name stay as written; values go in verbatim
  { template: { type: "text", prompt: "{{ }} {{a b}} {{{json}}} {{x}}" }, variables: { json: "J", x: "{{y}} $& $1" } },
  { template: { type: "text", prompt: "no variables" }, variables: {} },
  { template: { type: "text", prompt: "Answer {{question}}" }, variables: {} },
  { template: { type: "text", prompt: "Answer {{question}}" }, variables: { question: "a", tone: "b" } },
  { template: { type: "text", prompt: "fixed" }, variables: { tone: "b" } },
  {
    template: {
      type: "chat",
      messages: [
        { role: "system", content: "Be {{tone}}" },
        { role: "user", content: "{{question}} ({{tone}})" },
      ],
    },
    variables: { tone: "kind", question: "Why?" },
  },
  { template: { type: "chat", messages: [{ role: "user", content: "{{q}} and {{r}}" }] }, variables: { q: "1" } },
];

/** The SDK's prompt object for a template, as `prompts.get` builds it from the server's answer. */
async function sdkPrompt(t: PromptTemplate): Promise<KeelPrompt> {
  const body = { name: "p", version: 1, config: {}, labels: [], commitMessage: null, ...t };
  const fetch = async () => new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
  return createPromptsClient({ baseUrl: "http://keel.invalid", apiKey: "sk_x", fetch }).get("p");
}

const outcome = (fn: () => unknown) => {
  try {
    return { ok: fn() };
  } catch (err) {
    if (err instanceof DomainError) return { error: err.message, field: err.field };
    if (err instanceof KeelPromptVariableError) return { error: err.message, field: err.field };
    throw err;
  }
};

describe("the SDK's compile and the server's renderTemplate", () => {
  it.each(CASES)("agree on $template.type prompt with $variables", async ({ template, variables }) => {
    const server = outcome(() => {
      const r = renderTemplate(template, variables);
      return r.type === "text" ? r.prompt : r.messages;
    });
    const p = await sdkPrompt(template);
    expect(outcome(() => p.compile(variables))).toEqual(server);
  });

  it("renders and names what is wrong", async () => {
    const p = await sdkPrompt({ type: "text", prompt: "{{ a }} {{b}}" });
    expect(p.compile({ a: "$&", b: 2 })).toBe("$& 2");
    expect(() => p.compile({ a: 1 })).toThrow(new KeelPromptVariableError("variable b is missing", "variables.b"));
    expect(() => p.compile()).toThrow("variable a is missing");
  });
});
