import { describe, expect, it } from "vitest";
import { createPromptInput, promptForm } from "./inputs";

/** The console's prompt form schema: every wrong field named at once, and its output is what the API takes. */
const base = { name: "qa", type: "text" as const, prompt: "Q: {{q}}", messages: [], config: "", labels: "", commitMessage: "" };
const issues = (v: unknown) => promptForm.safeParse(v).error?.issues.map((i) => [i.path.join("."), i.message]) ?? [];

describe("promptForm", () => {
  it("names each wrong field, all at once", () => {
    expect(issues({ ...base, prompt: " ", config: "{temperature: 0}", labels: "staging, latest, Bad!" })).toEqual([
      ["config", 'config is a JSON object, e.g. {"temperature": 0.2, "max_tokens": 64}'],
      ["labels", "latest: latest is the newest version's label; it cannot be set"],
      ["prompt", "the prompt is empty"],
    ]);
    expect(issues({ ...base, config: "[1, 2]" })).toEqual([["config", expect.stringMatching(/^config is a JSON object/)]]);
    expect(issues({ ...base, type: "chat", messages: [] })).toEqual([["messages", "a chat prompt needs at least one message"]]);
    expect(
      issues({
        ...base,
        type: "chat",
        messages: [
          { role: "system", content: "ok" },
          { role: "user", content: "  " },
        ],
      }),
    ).toEqual([["messages.1.content", "a message's content is empty"]]);
    expect(issues({ ...base, name: "a/b" })).toEqual([["name", "a model name may not contain / @ : \\ or control characters"]]);
  });

  it("gives createPromptInput's input: text or messages as the type says, blanks left out", () => {
    const text = promptForm.parse({
      ...base,
      messages: [{ role: "user", content: "ignored" }],
      config: ' {"max_tokens": 6} ',
      labels: "staging, dev",
    });
    expect(text).toEqual({ name: "qa", prompt: "Q: {{q}}", config: { max_tokens: 6 }, labels: ["staging", "dev"] });
    const chat = promptForm.parse({
      ...base,
      type: "chat",
      prompt: "ignored",
      messages: [{ role: "system", content: "Be brief." }],
      commitMessage: " v2 ",
    });
    expect(chat).toEqual({ name: "qa", messages: [{ role: "system", content: "Be brief." }], commitMessage: "v2" });
    for (const out of [text, chat]) expect(createPromptInput.safeParse(out).success).toBe(true);
  });
});
