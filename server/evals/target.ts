import { and, asc, eq, gt } from "drizzle-orm";
import { z } from "zod";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError } from "../core/errors";
import { liveTargets } from "./live";

/**
 * A run's target: the dataset's stored predictions (the default), or a deployment whose answers the
 * run generates from each row, through a prompt template (server/evals/generate.ts).
 */
export const targetInput = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("predictions") }),
  z.object({
    kind: z.literal("deployment"),
    name: z.string().trim().min(1).max(200),
    template: z.object({ kind: z.enum(["chat", "completion"]), text: z.string().min(1).max(20_000) }).optional(),
    params: z
      .object({
        maxTokens: z.number().int().min(1).max(32_768).optional(),
        temperature: z.number().min(0).max(2).optional(),
        seed: z.number().int().optional(),
      })
      .optional(),
  }),
]);
export type TargetInput = z.infer<typeof targetInput>;
export type DeploymentTarget = Extract<TargetInput, { kind: "deployment" }>;

/** Without a template the row's input is sent as it is (text, or its JSON). */
export const DEFAULT_TEMPLATE = "{{input}}";

const PLACEHOLDER = /\{\{\s*([a-zA-Z0-9_.-]+)\s*\}\}/g;

interface RowLike {
  input: unknown;
  references: string[];
  metadata?: unknown;
}

const asText = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));

/** A placeholder's value in a row, or undefined where the row has none (`input`, `input.KEY`, `metadata.KEY`, `references.N`). */
function placeholderValue(row: RowLike, path: string): string | undefined {
  const [head, ...rest] = path.split(".");
  const roots: Record<string, unknown> = { input: row.input, metadata: row.metadata, references: row.references };
  if (head === undefined || !(head in roots)) return undefined;
  let v = roots[head];
  for (const key of rest) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v === undefined || v === null ? undefined : asText(v);
}

/** The placeholders of a template that a row cannot fill. */
export function missingPlaceholders(text: string, row: RowLike): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string).filter((p) => placeholderValue(row, p) === undefined);
}

/** The template filled from a row (checked at create time: a missing placeholder renders as empty). */
export function renderTemplate(text: string, row: RowLike): string {
  return text.replace(PLACEHOLDER, (_, p: string) => placeholderValue(row, p) ?? "");
}

/**
 * Check a deployment target before the run is created: the deployment exists and generates text,
 * and every row fills every placeholder of the template (the first that does not is named, with its row).
 */
export async function checkDeploymentTarget(db: DbOrTx, projectId: string, versionId: string, target: DeploymentTarget): Promise<void> {
  const d = await liveTargets().resolve(db, projectId, target.name);
  if (!d) throw new DomainError("BAD_REQUEST", `deployment ${target.name} does not exist in this project`, "target.name");
  if (d.task !== "chat" && d.task !== "completion")
    throw new DomainError(
      "BAD_REQUEST",
      `deployment ${target.name} serves ${d.task}; an eval run needs one that generates text`,
      "target.name",
    );
  // a local model answers chat only when its deployment serves chat (server/routing/service-local.ts)
  if (target.template?.kind === "chat" && d.kind === "local" && d.task !== "chat")
    throw new DomainError(
      "BAD_REQUEST",
      `deployment ${target.name} serves completions only; use a completion template`,
      "target.template.kind",
    );
  const text = target.template?.text ?? DEFAULT_TEMPLATE;
  const rows = schema.datasetRows;
  let after = -1;
  for (;;) {
    const page = await db
      .select({ idx: rows.idx, input: rows.input, references: rows.references, metadata: rows.metadata })
      .from(rows)
      .where(and(eq(rows.versionId, versionId), gt(rows.idx, after)))
      .orderBy(asc(rows.idx))
      .limit(2000);
    if (!page.length) return;
    for (const row of page) {
      const [missing] = missingPlaceholders(text, row);
      if (missing)
        throw new DomainError(
          "BAD_REQUEST",
          `template placeholder {{${missing}}} has no value in dataset row ${row.idx}`,
          "target.template.text",
        );
    }
    after = page[page.length - 1]?.idx ?? after;
  }
}
