import { z } from "zod";
import { playgroundMessage } from "@/server/routing/inputs";

/** What a fresh playground holds: one empty model target, one empty user message, streaming on. */
export const PLAYGROUND_DEFAULTS: PlaygroundDraft = {
  targets: [{ kind: "model", model: "" }],
  mode: "chat",
  messages: [{ role: "user", content: "" }],
  prompt: "",
  params: {},
  stream: true,
};

/** A number field as typed: a value the form's schema may still refuse on Run, or nothing. */
const typed = z.number().optional().catch(undefined);

/**
 * The form's state as saved between reloads: the shape of playgroundForm (server/routing/inputs.ts)
 * without its "must be filled in" rules (a half-written input is what is worth keeping); a parameter
 * that is not a number is dropped on its own, anything else out of shape drops the whole state.
 */
export const savedPlayground = z.object({
  targets: z
    .array(
      z.discriminatedUnion("kind", [
        z.object({ kind: z.literal("model"), model: z.string().max(200) }),
        z.object({
          kind: z.literal("prompt"),
          name: z.string().max(200),
          label: z.string().max(100).optional(),
          version: z.number().int().positive().optional(),
          variables: z.record(z.string().max(200), z.string().max(200_000)).default({}),
          model: z.string().max(200).optional(),
        }),
      ]),
    )
    .min(1)
    .max(2),
  mode: z.enum(["chat", "completion"]),
  messages: z.array(playgroundMessage).max(200),
  prompt: z.string().max(200_000).optional(),
  params: z.object({
    temperature: typed,
    max_tokens: typed,
    top_p: typed,
    seed: typed,
    presence_penalty: typed,
    frequency_penalty: typed,
    stop: z.array(z.string()).max(4).optional().catch(undefined),
  }),
  stream: z.boolean(),
});

/** Per project: the same member works on different deployments in each. */
export const storageKey = (projectSlug: string) => `keel.playground.${projectSlug}`;

/** The saved state of a project's playground, or null (none, or one that does not parse: then it is removed). */
export function loadPlayground(projectSlug: string): PlaygroundDraft | null {
  const key = storageKey(projectSlug);
  let raw: string | null;
  try {
    raw = window.localStorage.getItem(key);
  } catch {
    return null; // storage blocked (private mode, policy): the playground starts empty
  }
  if (raw === null) return null;
  let parsed: ReturnType<typeof savedPlayground.safeParse> | null = null;
  try {
    parsed = savedPlayground.safeParse(JSON.parse(raw));
  } catch {
    parsed = null;
  }
  if (parsed?.success) return parsed.data;
  clearPlayground(projectSlug);
  return null;
}

/** Saves the form's values as typed (results are never saved). */
export function savePlayground(projectSlug: string, values: unknown): void {
  try {
    window.localStorage.setItem(storageKey(projectSlug), JSON.stringify(values));
  } catch {
    // full or blocked: the state is simply not kept
  }
}

export function clearPlayground(projectSlug: string): void {
  try {
    window.localStorage.removeItem(storageKey(projectSlug));
  } catch {
    // blocked: nothing was saved either
  }
}

/** The form's values as typed, saved or the defaults. */
export type PlaygroundDraft = z.input<typeof savedPlayground>;
