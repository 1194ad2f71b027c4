import { and, asc, eq, gt } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError } from "../core/errors";
import type { TargetInput } from "./inputs";
import { type EvalPrompt, type LiveRef, type LiveTarget, liveTargets } from "./live";

/** The target input lives in inputs.ts (plain zod, for the console's form too). */
export { type TargetInput, targetInput } from "./inputs";
export type LiveTargetInput = Exclude<TargetInput, { kind: "predictions" }>;
/** The prompt version a run resolved at create time, stored in its target (no later label move changes it). */
export interface RunPrompt {
  id: string;
  name: string;
  version: number;
  /** the label it was resolved by, if it was */
  label?: string;
}
/** @deprecated the name of the first live kind; every live kind is generated alike */
export type DeploymentTarget = LiveTargetInput;

/**
 * A target as the CLI and the console name it: `deployment:NAME`, `model:NAME@ALIAS`,
 * `model:NAME:VERSION`, `router:NAME`, `predictions`, or a bare NAME (a deployment).
 */
export function parseTargetSpec(spec: string): { kind: "predictions" } | LiveRef {
  const s = spec.trim();
  if (!s) throw new Error("target: empty; expected deployment:NAME, model:NAME@ALIAS, model:NAME:VERSION or router:NAME");
  if (s === "predictions") return { kind: "predictions" };
  const colon = s.indexOf(":");
  const head = colon < 0 ? "" : s.slice(0, colon);
  const rest = colon < 0 ? s : s.slice(colon + 1);
  if (head === "deployment" || head === "") return { kind: "deployment", name: nonEmpty(rest, spec) };
  if (head === "router") return { kind: "router", name: nonEmpty(rest, spec) };
  if (head === "model") {
    const at = rest.lastIndexOf("@");
    if (at >= 0) return { kind: "model", name: nonEmpty(rest.slice(0, at), spec), ref: nonEmpty(rest.slice(at + 1), spec) };
    const m = rest.match(/^(.+):(\d+)$/);
    if (m) return { kind: "model", name: m[1] as string, ref: m[2] as string };
    return { kind: "model", name: nonEmpty(rest, spec), ref: "production" };
  }
  throw new Error(`target ${JSON.stringify(spec)}: unknown kind ${JSON.stringify(head)}; expected deployment, model or router`);
}

function nonEmpty(v: string, spec: string): string {
  if (!v.trim()) throw new Error(`target ${JSON.stringify(spec)}: a name is missing`);
  return v.trim();
}

/** The port's reference of a live target. */
export const refOf = (t: LiveTargetInput): LiveRef =>
  t.kind === "model" ? { kind: "model", name: t.name, ref: t.ref } : { kind: t.kind, name: t.name };

/** Without a template the row's input is sent as it is (text, or its JSON). */
export const DEFAULT_TEMPLATE = "{{input}}";

const PLACEHOLDER = /\{\{\s*([a-zA-Z0-9_.-]+)\s*\}\}/g;

interface RowLike {
  input: unknown;
  references: string[];
  metadata?: unknown;
}

const asText = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));

/**
 * Values a template may name besides the row's (a judge's rubric names the answer it judges as
 * `{{output}}`); checked at create time with a stand-in value.
 */
export type ExtraRoots = Record<string, unknown>;

/** A placeholder's value in a row, or undefined where the row has none (`input`, `input.KEY`, `metadata.KEY`, `references.N`). */
function placeholderValue(row: RowLike, path: string, extra?: ExtraRoots): string | undefined {
  const [head, ...rest] = path.split(".");
  const roots: Record<string, unknown> = { ...extra, input: row.input, metadata: row.metadata, references: row.references };
  if (head === undefined || !(head in roots)) return undefined;
  let v = roots[head];
  for (const key of rest) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v === undefined || v === null ? undefined : asText(v);
}

/** The placeholders of a template that a row cannot fill. */
export function missingPlaceholders(text: string, row: RowLike, extra?: ExtraRoots): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string).filter((p) => placeholderValue(row, p, extra) === undefined);
}

/** The template filled from a row (checked at create time: a missing placeholder renders as empty). */
export function renderTemplate(text: string, row: RowLike, extra?: ExtraRoots): string {
  return text.replace(PLACEHOLDER, (_, p: string) => placeholderValue(row, p, extra) ?? "");
}

/**
 * Check a live target before the run is created: it exists and generates text, and every row fills
 * every placeholder of the template (the first that does not is named, with its row).
 */
export async function checkLiveTarget(db: DbOrTx, projectId: string, versionId: string, target: LiveTargetInput): Promise<LiveTarget> {
  const d = await liveTargets().resolve(db, projectId, refOf(target));
  if (typeof d === "string") throw new DomainError("BAD_REQUEST", d, "target.name");
  if (d.task !== "chat" && d.task !== "completion")
    throw new DomainError("BAD_REQUEST", `${d.label} serves ${d.task}; an eval run needs a target that generates text`, "target.name");
  // a local model answers chat only when it serves chat (server/routing/service-local.ts)
  if (target.template?.kind === "chat" && d.local && d.task !== "chat")
    throw new DomainError("BAD_REQUEST", `${d.label} serves completions only; use a completion template`, "target.template.kind");
  if (target.kind === "router" && target.template?.kind === "completion")
    throw new DomainError("BAD_REQUEST", `router ${target.name} routes chat calls; use a chat template`, "target.template.kind");
  if (target.prompt) {
    if (target.template) throw new DomainError("BAD_REQUEST", "give template or prompt, not both", "target.prompt");
    const p = await resolvePrompt(db, projectId, target.prompt);
    if (p.template.type === "chat" && d.local && d.task !== "chat")
      throw new DomainError("BAD_REQUEST", `${d.label} serves completions only; prompt ${p.name} is a chat prompt`, "target.prompt");
    // a row missing a variable the prompt uses is that item's failure, not the run's: no row check here
    return d;
  }
  await checkTemplate(db, versionId, target.template?.text ?? DEFAULT_TEMPLATE, "target.template.text");
  return d;
}

/** The prompt version a stored run target used, if any (the run view and a comparison's sides show it). */
export function runPromptOf(target: { kind: string }): RunPrompt | null {
  return (target as { prompt?: RunPrompt }).prompt ?? null;
}

/** A run's prompt version: by number, else by label (default production); a 404 names the prompt, label or version. */
export async function resolvePrompt(
  db: DbOrTx,
  projectId: string,
  ref: { name: string; label?: string; version?: number },
): Promise<EvalPrompt> {
  const byRef = ref.version !== undefined ? { name: ref.name, version: ref.version } : { name: ref.name, label: ref.label ?? "production" };
  try {
    return await liveTargets().prompt(db, projectId, byRef);
  } catch (err) {
    // the registry names its own fields (label, version, name): named here as the run input names them
    if (err instanceof DomainError) {
      const field = err.field === "label" || err.field === "version" ? `target.prompt.${err.field}` : "target.prompt.name";
      throw new DomainError(err.code, err.message, field);
    }
    throw err;
  }
}

/** A row's input as a prompt's variables: an object's keys (objects and lists as JSON), a string as `input`. */
export function promptVariables(input: unknown): Record<string, string | number | boolean> {
  if (input === null || typeof input !== "object" || Array.isArray(input)) return { input: asText(input) };
  return Object.fromEntries(
    Object.entries(input as Record<string, unknown>)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => [k, typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? v : JSON.stringify(v)]),
  );
}

/** Every row of the version fills every placeholder of `text`; else a 400 naming the first missing one and its row. */
export async function checkTemplate(db: DbOrTx, versionId: string, text: string, field: string, extra?: ExtraRoots): Promise<void> {
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
      const [missing] = missingPlaceholders(text, row, extra);
      if (missing)
        throw new DomainError("BAD_REQUEST", `template placeholder {{${missing}}} has no value in dataset row ${row.idx}`, field);
    }
    after = page[page.length - 1]?.idx ?? after;
  }
}
