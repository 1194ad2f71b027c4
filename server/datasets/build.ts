import { createHash } from "node:crypto";
import { and, desc, gte, lte, type SQL, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError } from "../core/errors";
import { traceWhere } from "../logs";
import type { Actor } from "../workspace";
import type { BuildFromLogsInput } from "./contract";
import type { DatasetRow } from "./parse";
import { type AddedVersion, addVersion } from "./versions";

const t = schema.traces;
const rt = schema.ratings;

/** A trace's output as reference text: a string as is, a chat message's content, else its JSON. */
export function outputText(output: unknown): string {
  if (typeof output === "string") return output;
  if (output && typeof output === "object" && typeof (output as { content?: unknown }).content === "string")
    return (output as { content: string }).content;
  return JSON.stringify(output);
}

/** A chat message with text content, as SFT rows and Keel's serving take it. */
export interface ChatMessage {
  role: "system" | "developer" | "user" | "assistant";
  content: string;
}
const ROLES = new Set<string>(["system", "developer", "user", "assistant"]);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** A message's text: a string, or OpenAI content parts that are all text (joined); null for images, audio, tool calls. */
function textContent(content: unknown): string | null {
  if (typeof content === "string") return content;
  if (!Array.isArray(content) || !content.length) return null;
  const texts = content.map((p) => (isObject(p) && p.type === "text" && typeof p.text === "string" ? p.text : null));
  return texts.every((x) => x !== null) ? texts.join("\n") : null;
}

/**
 * A logged input as chat messages: an OpenAI `messages` array (what the gateway logs), an object with
 * one, or a plain string (one user turn). Null where any message is not text (tool calls, images) or
 * no user turn is present: such a trace cannot become a text SFT row.
 */
export function chatMessages(input: unknown): ChatMessage[] | null {
  const list =
    typeof input === "string" ? [{ role: "user", content: input }] : Array.isArray(input) ? input : isObject(input) ? input.messages : null;
  if (!Array.isArray(list) || !list.length) return null;
  const out: ChatMessage[] = [];
  for (const m of list) {
    if (!isObject(m) || typeof m.role !== "string" || !ROLES.has(m.role) || m.tool_calls) return null;
    const content = textContent(m.content);
    if (content === null) return null;
    out.push({ role: m.role as ChatMessage["role"], content });
  }
  return out.some((m) => m.role === "user") ? out : null;
}

/** The assistant's answer in a logged output: a string, a message, or a whole chat completion; null otherwise. */
export function answerText(output: unknown): string | null {
  if (typeof output === "string") return output.trim() ? output : null;
  if (!isObject(output)) return null;
  const choice = Array.isArray(output.choices) && isObject(output.choices[0]) ? output.choices[0] : null;
  const message = choice && isObject(choice.message) ? choice.message : output;
  if (message.tool_calls) return null;
  const text = textContent(message.content);
  return text?.trim() ? text : null;
}

/** A row's place in [0, 1): from its content, so the same conversation lands in the same split in every build. */
function hashUnit(key: string): number {
  return createHash("sha256").update(key).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * Held-out split by content hash: a row goes to "test" when its hash is below `share`. With two rows
 * or more, each split gets at least one (the lowest hash is held out; the highest trains).
 */
function assignSplits(rows: { row: DatasetRow; key: string }[], share: number): void {
  const units = rows.map((r) => hashUnit(r.key));
  const splits = units.map((u) => (u < share ? "test" : "train"));
  if (share > 0 && rows.length >= 2) {
    let lo = 0;
    let hi = 0;
    units.forEach((u, i) => {
      if (u < (units[lo] as number)) lo = i;
      if (u > (units[hi] as number)) hi = i;
    });
    splits[lo] = "test";
    splits[hi] = "train";
  }
  rows.forEach((r, i) => {
    r.row.metadata = { ...r.row.metadata, split: splits[i] };
  });
}

/**
 * A new version of dataset `name` from the traces a logs filter selects (newest first, up to
 * `limit`), optionally only those with a rating of `rating.name` within [min, max].
 * - format `traces`: input = the trace's input, references = [its output as text];
 * - format `chat` (SFT rows): input = its chat messages, references = [the assistant's answer];
 *   traces that are not text chats are skipped and counted.
 * Metadata: {traceId, model}, plus `split` with `heldOut`. `dedupe` keeps the newest of equal
 * (input, reference) rows. Traces without input or output are never taken.
 */
export async function buildFromLogs(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  input: BuildFromLogsInput,
): Promise<AddedVersion & { skipped: { notChat: number; duplicates: number } }> {
  const { rating } = input;
  let rated: SQL | undefined;
  if (rating) {
    const c = and(
      sql`${rt.projectId} = ${t.projectId}`,
      sql`${rt.traceId} = ${t.id}`,
      sql`${rt.name} = ${rating.name}`,
      rating.min === undefined ? undefined : gte(rt.value, rating.min),
      rating.max === undefined ? undefined : lte(rt.value, rating.max),
    );
    rated = sql`EXISTS (SELECT 1 FROM ${rt} WHERE ${c})`;
  }
  const traces = await db
    .select({ id: t.id, input: t.input, output: t.output, model: t.model })
    .from(t)
    .where(and(traceWhere(projectId, input.filter), sql`${t.input} IS NOT NULL`, sql`${t.output} IS NOT NULL`, rated))
    .orderBy(desc(t.timestamp), desc(t.id))
    .limit(input.limit);
  if (!traces.length) throw new DomainError("BAD_REQUEST", "no traces match the filter and rating condition", "filter");

  const skipped = { notChat: 0, duplicates: 0 };
  const seen = new Set<string>();
  const kept: { row: DatasetRow; key: string }[] = [];
  for (const x of traces) {
    let rowInput: unknown = x.input;
    let reference: string | null = outputText(x.output);
    if (input.format === "chat") {
      rowInput = chatMessages(x.input);
      reference = answerText(x.output);
      if (!rowInput || reference === null) {
        skipped.notChat++;
        continue;
      }
    }
    const key = JSON.stringify([rowInput, reference]);
    if (input.dedupe && seen.has(key)) {
      skipped.duplicates++;
      continue;
    }
    seen.add(key);
    kept.push({ row: { input: rowInput, references: [reference], prediction: null, metadata: { traceId: x.id, model: x.model } }, key });
  }
  if (!kept.length)
    throw new DomainError(
      "BAD_REQUEST",
      `none of the ${traces.length} matching traces is a text chat with an assistant answer (tool calls, images and empty answers are skipped)`,
      "format",
    );
  if (input.heldOut !== undefined) assignSplits(kept, input.heldOut);
  const added = await addVersion(
    db,
    actor,
    projectId,
    input.name,
    { rows: kept.map((k) => k.row), columns: ["input", "references", "metadata"] },
    {
      kind: "logs",
      filter: input.filter as Record<string, unknown>,
      rating: rating ?? null,
      format: input.format,
      dedupe: input.dedupe,
      heldOut: input.heldOut ?? null,
      view: input.view ?? null,
      skipped,
    },
  );
  return { ...added, skipped };
}

/**
 * A row as a line of OpenAI's chat fine-tuning JSONL: `{"messages": [...the conversation, the first
 * reference as the assistant's answer]}`. An input that is not a chat becomes one user turn (its
 * text, or its JSON).
 */
export function openaiChatLine(row: Pick<DatasetRow, "input" | "references">): string {
  const messages = chatMessages(row.input) ?? [{ role: "user", content: JSON.stringify(row.input) }];
  return `${JSON.stringify({ messages: [...messages, { role: "assistant", content: row.references[0] ?? "" }] })}\n`;
}
