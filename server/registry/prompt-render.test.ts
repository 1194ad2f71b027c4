import { describe, expect, it } from "vitest";
import { DomainError } from "../core/errors";
import { renderTemplate, templateVariables } from "./prompt-render";

const text = (prompt: string) => ({ type: "text" as const, prompt });

describe("prompt templates", () => {
  it("fills {{name}} and {{ name }} verbatim, in text and chat", () => {
    expect(renderTemplate(text("Hi {{user.name}}, {{ n }} items & <b>"), { "user.name": "Ann <x>", n: 3 })).toEqual(
      text("Hi Ann <x>, 3 items & <b>"),
    );
    const chat = {
      type: "chat" as const,
      messages: [
        { role: "system" as const, content: "You are {{persona}}." },
        { role: "user" as const, content: "{{question}} ({{persona}})" },
      ],
    };
    expect(templateVariables(chat)).toEqual(["persona", "question"]);
    expect(renderTemplate(chat, { persona: "terse", question: "why?" })).toEqual({
      type: "chat",
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "why? (terse)" },
      ],
    });
  });

  it("leaves braces around anything that is not a variable name as written", () => {
    expect(templateVariables(text("{{ }} {{a b}} {x} {{{raw}}}"))).toEqual(["raw"]);
    expect(renderTemplate(text("{{ }} {{a b}} {x} {{{raw}}}"), { raw: "v" })).toEqual(text("{{ }} {{a b}} {x} {v}"));
    // a value is never read as a template
    expect(renderTemplate(text("{{a}}"), { a: "{{b}}" })).toEqual(text("{{b}}"));
  });

  it("names a missing variable and an unknown one", () => {
    const t = text("{{a}} and {{b}}");
    expect(() => renderTemplate(t, { a: "1" })).toThrow(DomainError);
    expect(() => renderTemplate(t, { a: "1" })).toThrow("variable b is missing");
    try {
      renderTemplate(t, { a: "1", b: "2", c: "3" });
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: "BAD_REQUEST", field: "variables.c", message: "variable c is not in the prompt (it uses a, b)" });
    }
  });
});
