/**
 * `{{variables}}` by server/registry/prompt-render.ts's rule, copied because the SDK ships alone (it may
 * import nothing outside sdk/): a name of letters, digits, `_`, `.` and `-`, spaces allowed inside the
 * braces, values verbatim, no escape; a variable used but not given, or given but not used, is an error
 * naming it. test/sdk/prompt-render.test.ts runs both copies over the same cases.
 */
const VARIABLE = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

export type PromptVariables = Record<string, string | number | boolean>;

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** What a bad variable throws: `field` is `variables.NAME`, as the server's 400 names it. */
export class KeelPromptVariableError extends Error {
  override readonly name = "KeelPromptVariableError";
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** The variable names the texts use, in order of first use. */
export function variablesOf(texts: readonly string[]): string[] {
  return [...new Set(texts.flatMap((s) => [...s.matchAll(VARIABLE)].map((m) => m[1] as string)))];
}

/** A filler for the texts: checks `variables` against what they use, then fills each text. */
export function filler(texts: readonly string[], variables: PromptVariables): (text: string) => string {
  const used = variablesOf(texts);
  const missing = used.find((name) => !Object.hasOwn(variables, name));
  if (missing !== undefined) throw new KeelPromptVariableError(`variable ${missing} is missing`, `variables.${missing}`);
  const unknown = Object.keys(variables).find((name) => !used.includes(name));
  if (unknown !== undefined)
    throw new KeelPromptVariableError(
      `variable ${unknown} is not in the prompt (it uses ${used.length ? used.join(", ") : "no variables"})`,
      `variables.${unknown}`,
    );
  return (s) => s.replace(VARIABLE, (_m, name: string) => String(variables[name]));
}
