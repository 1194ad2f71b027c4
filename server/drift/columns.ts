import { type SQL, sql } from "drizzle-orm";
import { DomainError } from "../core/errors";
import type { ColumnSpec } from "./contract";

/**
 * The column vocabulary of a traffic monitor, as SQL over one logged trace (`t`, a row of `traces`)
 * and, where the column exists there, over one dataset row (`r`, a row of `dataset_rows`: a
 * dataset-version reference). Every expression yields text (NULL: missing), so one GROUP BY per
 * window aggregates all columns at once (./windows.ts); numerical columns are parsed from the
 * text once per distinct value, and a value that is no number is counted and dropped.
 *
 * Built in: input_chars, output_chars, input_tokens, output_tokens, latency_ms, ttft_ms, cost
 * (numerical); status, model, route, language, refusal (categorical); per score name
 * `rating:NAME` (the value, numerical) and `rated:NAME` (yes/no: the rating rate); any
 * `metadata.KEY` and `input.KEY` (a field of an object input: a tabular model's feature), and
 * `prediction.label` / `prediction.score` (a classification deployment's answer), typed by the user.
 */

export type ColumnType = "numerical" | "categorical";

export interface ColumnDef {
  name: string;
  type: ColumnType;
  /** what it measures, for the console */
  label: string;
  unit?: string;
  trace: SQL;
  /** null: a dataset row has no such column */
  row: SQL | null;
}

export const DEFAULT_REFUSAL_PHRASES = [
  "i can't help",
  "i cannot help",
  "i can't assist",
  "i cannot assist",
  "i'm sorry, but",
  "i am sorry, but",
  "i'm unable to",
  "i am unable to",
  "i won't be able to",
  "as an ai",
  "i'm not able to",
];

const num = (e: SQL) => sql`(${e})::text`;
const textOf = (e: SQL) => sql`keel_json_text(${e})`;
const refusal = (text: SQL, phrases: string[]) =>
  sql`CASE WHEN ${text} IS NULL THEN NULL WHEN lower(${text}) LIKE ANY (${sql.param(phrases.map((p) => `%${p.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`))}::text[]) THEN 'yes' ELSE 'no' END`;
const rowOutput = sql`coalesce(to_jsonb(r.prediction), r."references"->0)`;
const answer = (o: SQL, key: string) =>
  sql`CASE jsonb_typeof(${o}) WHEN 'array' THEN ${o}->0->>${key} WHEN 'object' THEN ${o}->>${key} END`;

interface Builtin {
  type: ColumnType;
  label: string;
  unit?: string;
  trace: (phrases: string[]) => SQL;
  row: ((phrases: string[]) => SQL) | null;
}

const BUILTINS: Record<string, Builtin> = {
  input_chars: {
    type: "numerical",
    label: "input length",
    unit: "characters",
    trace: () => num(sql`length(${textOf(sql`traces.input`)})`),
    row: () => num(sql`length(${textOf(sql`r.input`)})`),
  },
  output_chars: {
    type: "numerical",
    label: "output length",
    unit: "characters",
    trace: () => num(sql`length(${textOf(sql`traces.output`)})`),
    row: () => num(sql`length(${textOf(rowOutput)})`),
  },
  input_tokens: { type: "numerical", label: "input tokens", unit: "tokens", trace: () => num(sql`traces.input_tokens`), row: null },
  output_tokens: { type: "numerical", label: "output tokens", unit: "tokens", trace: () => num(sql`traces.output_tokens`), row: null },
  latency_ms: { type: "numerical", label: "latency", unit: "ms", trace: () => num(sql`traces.latency_ms`), row: null },
  ttft_ms: {
    type: "numerical",
    label: "time to first token",
    unit: "ms",
    trace: () =>
      num(
        sql`(SELECT min(o.ttft_ms) FROM observations o WHERE o.project_id = traces.project_id AND o.trace_id = traces.id AND o.type = 'generation')`,
      ),
    row: null,
  },
  cost: { type: "numerical", label: "cost", unit: "USD", trace: () => num(sql`traces.cost`), row: null },
  status: { type: "categorical", label: "status (ok / error)", trace: () => sql`traces.status`, row: null },
  model: { type: "categorical", label: "model", trace: () => sql`traces.model`, row: null },
  route: { type: "categorical", label: "route decision (target)", trace: () => sql`traces.route_decision->>'target'`, row: null },
  language: {
    type: "categorical",
    label: "input language",
    trace: () => sql`keel_language(${textOf(sql`traces.input`)})`,
    row: () => sql`keel_language(${textOf(sql`r.input`)})`,
  },
  refusal: {
    type: "categorical",
    label: "refusal (yes / no)",
    trace: (p) => refusal(textOf(sql`traces.output`), p),
    row: (p) => refusal(textOf(rowOutput), p),
  },
};

export const BUILTIN_COLUMNS = Object.entries(BUILTINS).map(([name, b]) => ({ name, type: b.type, label: b.label, unit: b.unit ?? null }));

function bad(message: string, field = "config.columns"): never {
  throw new DomainError("BAD_REQUEST", message, field);
}

/** The definition of one column spec, or a 400 naming it (unknown name, missing or wrong type). */
export function defineColumn(spec: ColumnSpec, refusalPhrases: string[] = DEFAULT_REFUSAL_PHRASES): ColumnDef {
  const b = BUILTINS[spec.name];
  if (b) {
    if (spec.type && spec.type !== b.type) bad(`column ${spec.name} is ${b.type}, not ${spec.type}`);
    return {
      name: spec.name,
      type: b.type,
      label: b.label,
      unit: b.unit,
      trace: b.trace(refusalPhrases),
      row: b.row?.(refusalPhrases) ?? null,
    };
  }
  const [, prefix, key] = spec.name.match(/^(rating:|rated:|metadata\.|input\.|prediction\.)(.+)$/) ?? [];
  if (!prefix || !key)
    bad(
      `unknown column ${spec.name}; known: ${Object.keys(BUILTINS).join(", ")}, rating:NAME, rated:NAME, metadata.KEY, input.KEY, prediction.label, prediction.score`,
    );
  if (prefix === "rating:" || prefix === "rated:") {
    const rated = prefix === "rated:";
    const type: ColumnType = rated ? "categorical" : "numerical";
    if (spec.type && spec.type !== type) bad(`column ${spec.name} is ${type}, not ${spec.type}`);
    const where = sql`FROM ratings x WHERE x.project_id = traces.project_id AND x.trace_id = traces.id AND x.name = ${key}`;
    return {
      name: spec.name,
      type,
      label: rated ? `rated "${key}" (yes / no)` : `rating "${key}"`,
      trace: rated ? sql`CASE WHEN EXISTS (SELECT 1 ${where}) THEN 'yes' ELSE 'no' END` : num(sql`(SELECT avg(x.value) ${where})`),
      row: null,
    };
  }
  if (prefix === "prediction.") {
    if (key !== "label" && key !== "score") bad(`unknown column ${spec.name}; a prediction has label and score`);
    const type: ColumnType = key === "label" ? "categorical" : "numerical";
    if (spec.type && spec.type !== type) bad(`column ${spec.name} is ${type}, not ${spec.type}`);
    return {
      name: spec.name,
      type,
      label: `predicted ${key}`,
      trace: answer(sql`traces.output`, key),
      row: key === "label" ? sql`coalesce(r.prediction, r."references"->>0, r.metadata->>'label')` : sql`r.metadata->>'score'`,
    };
  }
  if (!spec.type) bad(`column ${spec.name} needs a type: numerical or categorical`);
  const field = prefix === "metadata." ? "metadata" : "input";
  return {
    name: spec.name,
    type: spec.type,
    label: `${field} ${key}`,
    trace: sql`CASE WHEN jsonb_typeof(traces.${sql.raw(field)}) = 'object' THEN traces.${sql.raw(field)}->>${key} END`,
    row: sql`CASE WHEN jsonb_typeof(r.${sql.raw(field)}) = 'object' THEN r.${sql.raw(field)}->>${key} END`,
  };
}
