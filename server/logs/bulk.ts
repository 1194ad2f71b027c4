import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { rollupJoins } from "./rollups";

/**
 * Bulk upserts for ingestion. Rows travel as ONE jsonb parameter expanded by jsonb_to_recordset
 * (a 1,000-event batch is one statement per table, not 20,000 bind parameters), and each trace row
 * is written once per batch: its rollups over observations and ratings are computed inside the same
 * INSERT ... ON CONFLICT, instead of a second UPDATE that would rewrite the row, its tsvector and
 * its GIN entries.
 */

export interface TraceRowIn {
  id: string;
  timestamp: string;
  name?: string;
  user_id?: string;
  session_id?: string;
  release?: string;
  tags?: string[];
  metadata?: unknown;
  input?: unknown;
  output?: unknown;
  model_version_id?: string;
  prompt_version_id?: string;
  /** the gateway key that made the call (IngestOptions.spendKeyId) */
  api_key_id?: string;
  route_decision?: unknown;
}

export interface ObservationRowIn {
  id: string;
  trace_id: string;
  parent_observation_id?: string;
  type: string;
  name?: string;
  start_time: string;
  end_time?: string;
  completion_start_time?: string;
  model?: string;
  provider?: string;
  model_parameters?: unknown;
  input?: unknown;
  output?: unknown;
  input_tokens?: number;
  output_tokens?: number;
  cost?: number;
  status?: string;
  status_message?: string;
  metadata?: unknown;
}

/** jsonb null and absent keys both become SQL NULL; keep JSON `null` inputs distinguishable? No: null means "not given". */
const param = (rows: unknown[]) => sql`${JSON.stringify(rows)}::jsonb`;
const keep = (c: string, table: string) => sql.raw(`${c} = COALESCE(excluded.${c}, ${table}.${c})`);

export async function upsertObservations(db: DbOrTx, projectId: string, rows: ObservationRowIn[]): Promise<void> {
  if (!rows.length) return;
  const kept = [
    "parent_observation_id",
    "name",
    "end_time",
    "completion_start_time",
    "model",
    "provider",
    "model_parameters",
    "input",
    "output",
    "input_tokens",
    "output_tokens",
    "cost",
    "status_message",
    "metadata",
  ];
  await db.execute(sql`
    INSERT INTO observations (project_id, id, trace_id, parent_observation_id, type, name, start_time, end_time, completion_start_time,
      model, provider, model_parameters, input, output, input_tokens, output_tokens, cost, status, status_message, metadata)
    SELECT ${projectId}::uuid, v.id, v.trace_id, v.parent_observation_id, v.type, v.name, v.start_time, v.end_time, v.completion_start_time,
      v.model, v.provider, v.model_parameters, v.input, v.output, v.input_tokens, v.output_tokens, v.cost, coalesce(v.status, 'ok'), v.status_message, v.metadata
    FROM jsonb_to_recordset(${param(rows)}) AS v(id text, trace_id text, parent_observation_id text, type text, name text, start_time timestamptz,
      end_time timestamptz, completion_start_time timestamptz, model text, provider text, model_parameters jsonb, input jsonb, output jsonb,
      input_tokens int, output_tokens int, cost float8, status text, status_message text, metadata jsonb)
    ON CONFLICT (project_id, id) DO UPDATE SET
      ${sql.join(
        kept.map((c) => keep(c, "observations")),
        sql`, `,
      )},
      start_time = LEAST(excluded.start_time, observations.start_time),
      status = CASE WHEN excluded.status = 'error' OR observations.status = 'error' THEN 'error' ELSE 'ok' END`);
}

/**
 * Upsert traces (explicit ones and stubs for observations that arrived first) with their rollups.
 * Call after the batch's observations are written, so the rollups see them. Returns the hours
 * (as timestamps) the written traces fall in, for the hourly chart stats.
 */
export async function upsertTraces(db: DbOrTx, projectId: string, rows: TraceRowIn[], now: Date): Promise<string[]> {
  if (!rows.length) return [];
  const kept = [
    "name",
    "user_id",
    "session_id",
    "release",
    "metadata",
    "input",
    "output",
    "model_version_id",
    "route_decision",
    "prompt_version_id",
    "api_key_id",
  ];
  const rollups = ["model", "input_tokens", "output_tokens", "cost", "latency_ms", "status", "rating_count", "rating_mean"];
  const hours = await db.execute<{ hour: string }>(sql`
    INSERT INTO traces (project_id, id, timestamp, name, user_id, session_id, release, tags, metadata, input, output, model_version_id, route_decision,
      prompt_version_id, api_key_id, model, input_tokens, output_tokens, cost, latency_ms, status, rating_count, rating_mean)
    SELECT ${projectId}::uuid, v.id, v.timestamp, v.name, v.user_id, v.session_id, v.release, coalesce(v.tags, '{}'), v.metadata, v.input, v.output,
      v.model_version_id, v.route_decision, v.prompt_version_id, v.api_key_id,
      o.model, coalesce(o.input_tokens, 0), coalesce(o.output_tokens, 0), coalesce(o.cost, 0), o.latency_ms,
      CASE WHEN coalesce(o.errors, 0) > 0 THEN 'error' ELSE 'ok' END, coalesce(r.n, 0), r.mean
    FROM jsonb_to_recordset(${param(rows)}) AS v(id text, timestamp timestamptz, name text, user_id text, session_id text, release text, tags text[],
      metadata jsonb, input jsonb, output jsonb, model_version_id uuid, route_decision jsonb,
      prompt_version_id uuid, api_key_id uuid)
    ${rollupJoins(projectId, sql`v.id`)}
    ON CONFLICT (project_id, id) DO UPDATE SET
      ${sql.join(
        kept.map((c) => keep(c, "traces")),
        sql`, `,
      )},
      ${sql.raw(rollups.map((c) => `${c} = excluded.${c}`).join(", "))},
      timestamp = LEAST(excluded.timestamp, traces.timestamp),
      tags = CASE WHEN cardinality(excluded.tags) > 0 THEN excluded.tags ELSE traces.tags END,
      updated_at = ${now.toISOString()}::timestamptz
    RETURNING date_trunc('hour', timestamp)::text AS hour`);
  return [...new Set(hours.map((h) => h.hour))];
}
