import { createHash } from "node:crypto";
import { and, asc, eq, gt } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError } from "../core/errors";
import { type ChatMessage, chatMessages } from "../datasets";

/** One training example: text, label, and its split (from `metadata.split`, else a seeded 80/20 hash split). */
export interface Example {
  /** the input as text (for a chat, its last user turn) */
  text: string;
  label: string;
  split: "train" | "test" | "validation";
  /** where the text field holds chat messages (an SFT row built from logs): the conversation before the answer */
  messages?: ChatMessage[];
}

type Row = { input: unknown; references: string[]; metadata: Record<string, unknown> | null };

/** A field of a dataset row: `input`, `references` (its first entry), `prediction`, `input.X`, `metadata.X`. */
export function fieldOf(row: Row & { prediction?: string | null }, field: string): unknown {
  if (field === "input") return row.input;
  if (field === "references") return row.references[0];
  if (field === "prediction") return row.prediction ?? undefined;
  const [head, ...rest] = field.split(".");
  let at: unknown = head === "input" ? row.input : head === "metadata" ? row.metadata : undefined;
  for (const k of rest) at = at !== null && typeof at === "object" ? (at as Record<string, unknown>)[k] : undefined;
  return at;
}

const asText = (v: unknown): string | null =>
  typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : null;

function splitOf(row: Row, idx: number, seed: number): Example["split"] {
  const s = row.metadata?.split;
  if (s === "train" || s === "test" || s === "validation") return s;
  if (s === "dev" || s === "val") return "validation";
  const h = createHash("sha256").update(`${seed}:${idx}`).digest();
  return (h[0] as number) < 52 ? "test" : "train"; // ~20% held out
}

/**
 * The examples of a dataset version for a trainer. Every row must have a text and a label in the
 * named fields: the first row without one is a 400 naming the row and the field, so a job never
 * starts on data it cannot read.
 */
export async function loadExamples(
  db: DbOrTx,
  projectId: string,
  versionId: string,
  fields: { text: string; label: string },
  seed: number,
): Promise<Example[]> {
  const r = schema.datasetRows;
  const out: Example[] = [];
  let after = -1;
  for (;;) {
    const rows = await db
      .select({ idx: r.idx, input: r.input, references: r.references, prediction: r.prediction, metadata: r.metadata })
      .from(r)
      .where(and(eq(r.projectId, projectId), eq(r.versionId, versionId), gt(r.idx, after)))
      .orderBy(asc(r.idx))
      .limit(5000);
    for (const row of rows) {
      const raw = fieldOf(row, fields.text);
      const messages = Array.isArray(raw) ? chatMessages(raw) : null;
      if (Array.isArray(raw) && !messages)
        throw new DomainError(
          "BAD_REQUEST",
          `dataset row ${row.idx}: field ${fields.text} is a list but not text chat messages ({role, content})`,
          "fields.text",
        );
      const text = messages ? (messages.findLast((m) => m.role === "user")?.content ?? null) : asText(raw);
      if (!text?.trim()) throw new DomainError("BAD_REQUEST", `dataset row ${row.idx} has no text in field ${fields.text}`, "fields.text");
      const label = asText(fieldOf(row, fields.label));
      if (label === null || !label.trim())
        throw new DomainError("BAD_REQUEST", `dataset row ${row.idx} has no label in field ${fields.label}`, "fields.label");
      out.push({ text, label: label.trim(), split: splitOf(row, row.idx, seed), ...(messages ? { messages } : {}) });
    }
    if (rows.length < 5000) break;
    after = rows.at(-1)?.idx ?? after;
  }
  if (out.length === 0) throw new DomainError("BAD_REQUEST", "the dataset version has no rows", "dataset");
  return out;
}
