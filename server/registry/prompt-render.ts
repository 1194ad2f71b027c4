import type { PromptTemplate } from "../../db/schema";
import { DomainError } from "../core/errors";
import { PROMPT_VARIABLE, promptVariableNames } from "./inputs";

/**
 * `{{name}}` marks a variable, as in Langfuse (whose server finds variables with `{{\s*(.*?)\s*}}` and
 * allows letters, digits, `_`, `.` and `-` in names; its SDKs render with mustache, HTML escaping off):
 * spaces inside the braces are allowed, values go in verbatim. There is no escape: braces around
 * anything that is not such a name (`{{ }}`, `{{a b}}`, `{{{json}}}`'s outer pair) stay as written,
 * so a template that must show a literal `{{name}}` passes it in as a variable's value.
 */
const VARIABLE = PROMPT_VARIABLE;

export type Variables = Record<string, string | number | boolean>;

/** The variable names a template uses, in order of first use. */
export function templateVariables(t: PromptTemplate): string[] {
  return promptVariableNames(t.type === "text" ? [t.prompt] : t.messages.map((m) => m.content));
}

/** The template with every variable filled; a variable it uses but not given, or given but not used, is a 400 naming it. */
export function renderTemplate(t: PromptTemplate, variables: Variables): PromptTemplate {
  const used = templateVariables(t);
  const missing = used.find((name) => !Object.hasOwn(variables, name));
  if (missing !== undefined) throw new DomainError("BAD_REQUEST", `variable ${missing} is missing`, `variables.${missing}`);
  const unknown = Object.keys(variables).find((name) => !used.includes(name));
  if (unknown !== undefined)
    throw new DomainError(
      "BAD_REQUEST",
      `variable ${unknown} is not in the prompt (it uses ${used.length ? used.join(", ") : "no variables"})`,
      `variables.${unknown}`,
    );
  const fill = (s: string) => s.replace(VARIABLE, (_m, name: string) => String(variables[name]));
  return t.type === "text"
    ? { type: "text", prompt: fill(t.prompt) }
    : { type: "chat", messages: t.messages.map((m) => ({ role: m.role, content: fill(m.content) })) };
}
