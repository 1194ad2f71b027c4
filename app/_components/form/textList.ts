import { z } from "zod";

/**
 * A list typed in one text box, checked by the server's own schema for the list. The error names the
 * item it is about and stays on the box: an issue at `box.3` would sit where no field shows it.
 */
export function textList<T>(list: z.ZodType<T>, separator: RegExp = /[\n,]/) {
  return z.string().transform((text, ctx) => {
    const items = text
      .split(separator)
      .map((s) => s.trim())
      .filter(Boolean);
    const parsed = list.safeParse(items);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const at = issue?.path[0];
    const message = issue?.message ?? "is not a valid list";
    ctx.addIssue({ code: "custom", message: typeof at === "number" ? `${items[at]}: ${message}` : message });
    return z.NEVER;
  });
}
