import { compact, json, num, record, str } from "../../otlp/values";

/**
 * Langfuse's OpenTelemetry attributes (what `@langfuse/tracing` and `@langfuse/otel` set, and
 * Langfuse's Python SDK v3) mapped onto Keel's observation and trace fields, so a generation sent by
 * a Langfuse client has its model, tokens, cost, input and output in Keel's columns instead of in
 * metadata. Objects travel as JSON text (`_serialize` in @langfuse/tracing; plain strings as they
 * are); metadata as one attribute per key under `langfuse.{observation,trace}.metadata.`.
 *
 * Keel has no column for a Langfuse level other than ERROR, an observation type other than
 * generation/span/event, an environment or a version: those are kept in metadata, under the names
 * Langfuse gives them (`level`, `observationType`, `environment`, `version`, `prompt`).
 */

const OBS = "langfuse.observation.";
const TRACE = "langfuse.trace.";

/** Langfuse's observation types onto Keel's three: embeddings are model calls, the agentic kinds are spans. */
const KEEL_TYPE: Record<string, "generation" | "span" | "event"> = {
  generation: "generation",
  embedding: "generation",
  event: "event",
  span: "span",
};

export interface LangfuseObservation {
  type?: "generation" | "span" | "event";
  input?: unknown;
  output?: unknown;
  model?: string;
  modelParameters?: Record<string, unknown>;
  usage?: { input?: number; output?: number };
  cost?: number;
  completionStartTime?: string;
  /** level ERROR */
  error: boolean;
  statusMessage?: string;
  metadata?: Record<string, unknown>;
  /** the prompt version it used, which links its trace to that version when the project holds it */
  prompt?: { name: string; version: number };
}

export interface LangfuseTrace {
  name?: string;
  userId?: string;
  sessionId?: string;
  tags?: string[];
  release?: string;
  input?: unknown;
  output?: unknown;
  metadata?: Record<string, unknown>;
}

/** A prompt named by name and version number (an integer, or its digits as text), else nothing. */
export function promptRefOf(name: unknown, version: unknown): { name: string; version: number } | undefined {
  const n = num(version);
  return typeof name === "string" && name && n !== undefined && Number.isInteger(n) && n >= 1 && n <= 2_147_483_647
    ? { name: name.slice(0, 200), version: n }
    : undefined;
}

/** Langfuse's own keys: mapped here (or internal to its SDK), so never copied into metadata. */
export const isLangfuseKey = (k: string) => k.startsWith("langfuse.");

/** `langfuse.x.metadata` (a whole object) and `langfuse.x.metadata.KEY` (one value each, JSON text or a string). */
function metadataOf(a: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...record(a[prefix]) };
  for (const [k, v] of Object.entries(a)) if (k.startsWith(`${prefix}.`)) out[k.slice(prefix.length + 1)] = json(v);
  return out;
}

/** The first of several names a usage figure goes by (Langfuse's, OpenAI's, the GenAI conventions'). */
const first = (o: Record<string, unknown>, keys: string[]) => keys.map((k) => num(o[k])).find((n) => n !== undefined);

function usageOf(v: unknown): LangfuseObservation["usage"] {
  const u = record(v);
  if (!u) return undefined;
  return compact({
    input: first(u, ["input", "prompt_tokens", "input_tokens", "promptTokens", "inputTokens"]),
    output: first(u, ["output", "completion_tokens", "output_tokens", "completionTokens", "outputTokens"]),
  });
}

/** USD: `total` when given, else the sum of the parts (input, output, cached reads...). */
function costOf(v: unknown): number | undefined {
  const c = record(v);
  if (!c) return undefined;
  const total = num(c.total);
  if (total !== undefined) return total;
  const parts = Object.values(c).flatMap((x) => num(x) ?? []);
  return parts.length ? parts.reduce((s, x) => s + x, 0) : undefined;
}

/** An ISO time in UTC when the value parses as one; otherwise as sent, for the ingest check to name. */
function timeOf(v: unknown): string | undefined {
  const s = json(v);
  if (typeof s !== "string" || !s) return undefined;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : d.toISOString();
}

/** Tags as an attribute array, a JSON array in text (the Python SDK), or one comma-separated string. */
function tagsOf(v: unknown): string[] | undefined {
  const parsed = json(v);
  const list = Array.isArray(parsed) ? parsed : typeof parsed === "string" ? parsed.split(",") : [];
  const tags = list.flatMap((t) => (typeof t === "string" && t.trim() ? [t.trim()] : []));
  return tags.length ? [...new Set(tags)] : undefined;
}

export function langfuseObservation(a: Record<string, unknown>): LangfuseObservation {
  const lfType = str(a[`${OBS}type`])?.toLowerCase();
  const level = str(a[`${OBS}level`])?.toUpperCase();
  const prompt = compact({ name: a[`${OBS}prompt.name`], version: a[`${OBS}prompt.version`] });
  const metadata = compact({
    ...metadataOf(a, `${OBS}metadata`),
    level: level && level !== "DEFAULT" && level !== "ERROR" ? level : undefined,
    observationType: lfType && !KEEL_TYPE[lfType] ? lfType : undefined,
    prompt,
  });
  return {
    type: lfType ? (KEEL_TYPE[lfType] ?? "span") : undefined,
    input: json(a[`${OBS}input`]),
    output: json(a[`${OBS}output`]),
    model: str(a[`${OBS}model.name`]),
    modelParameters: record(a[`${OBS}model.parameters`]),
    usage: usageOf(a[`${OBS}usage_details`]),
    cost: costOf(a[`${OBS}cost_details`]),
    completionStartTime: timeOf(a[`${OBS}completion_start_time`]),
    error: level === "ERROR",
    statusMessage: str(a[`${OBS}status_message`]),
    metadata,
    prompt: promptRefOf(a[`${OBS}prompt.name`], a[`${OBS}prompt.version`]),
  };
}

export function langfuseTrace(a: Record<string, unknown>): LangfuseTrace {
  return {
    name: str(a[`${TRACE}name`]),
    userId: str(a["langfuse.user.id"]),
    sessionId: str(a["langfuse.session.id"]),
    tags: tagsOf(a[`${TRACE}tags`]),
    release: str(a["langfuse.release"]),
    input: json(a[`${TRACE}input`]),
    output: json(a[`${TRACE}output`]),
    metadata: compact({
      ...metadataOf(a, `${TRACE}metadata`),
      environment: str(a["langfuse.environment"]),
      version: str(a["langfuse.version"]),
    }),
  };
}
