import { z } from "zod";
import { checkedGateInput } from "@/server/evals/inputs";

/** A gate's rules as typed: one per line, blank lines skipped. */
export const ruleLines = (text: string) =>
  text
    .split("\n")
    .map((r) => r.trim())
    .filter(Boolean);

/**
 * A new gate as its form holds it (rules as text) checked by the server's gateInput, its rule grammar
 * included: each issue lands under the name or the rules box, a rule's named by its number.
 */
export function checkNewGate(v: { name: string; rules: string }, ctx: z.RefinementCtx, at: { name: string; rules: string }) {
  const res = checkedGateInput.safeParse({ name: v.name, rules: ruleLines(v.rules) });
  for (const i of res.error?.issues ?? []) {
    const [field, n] = i.path;
    const message = field === "name" && i.code === "too_small" ? "enter a gate name" : i.message;
    ctx.addIssue({
      code: "custom",
      path: [field === "name" ? at.name : at.rules],
      message: typeof n === "number" ? `rule ${n + 1}: ${message}` : message,
    });
  }
}

/** The Gates card's new-gate form. */
export const newGateForm = z
  .object({ name: z.string(), rules: z.string() })
  .superRefine((v, ctx) => checkNewGate(v, ctx, { name: "name", rules: "rules" }));
