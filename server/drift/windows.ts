import { and, gte, lt, type SQL, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError } from "../core/errors";
import { type TraceFilter, traceWhere } from "../logs";
import type { ColumnDef } from "./columns";
import { type CurrentConfig, type ReferenceConfig, WINDOWS } from "./contract";

/**
 * Windows of a monitor and their aggregation. A window's rows are reduced in PostgreSQL to
 * (column, value, count) triples in one pass: every column expression is one row of a LATERAL
 * VALUES list, grouped together, so a million traces × 50 columns come back as the distinct
 * values per column (few for lengths, tokens, categories) instead of 50 million cells.
 */

export interface Span {
  from: Date | null;
  to: Date | null;
  label: string;
}

/** Per column: the text of each distinct value (null: missing) and how many rows had it. */
export interface WindowData {
  size: number;
  values: Map<string, Map<string | null, number>>;
}

export function currentSpan(current: CurrentConfig, now: Date): Span {
  if (current.kind === "range") return { from: current.from, to: current.to, label: "fixed range" };
  return { from: new Date(now.getTime() - WINDOWS[current.window]), to: now, label: `last ${current.window}` };
}

export function referenceSpan(reference: ReferenceConfig, current: Span): Span | null {
  if (reference.kind === "range") return { from: reference.from, to: reference.to, label: "fixed range" };
  if (reference.kind === "previous") {
    const from = current.from as Date;
    const to = current.to as Date;
    return { from: new Date(from.getTime() - (to.getTime() - from.getTime())), to: from, label: "previous window" };
  }
  return null;
}

async function aggregate(db: DbOrTx, from: SQL, where: SQL | undefined, exprs: SQL[]): Promise<WindowData> {
  const rows = exprs.map((e, i) => sql`(${sql.raw(String(i))}, ${e})`);
  const res = (await db.execute(sql`
    SELECT u.c AS c, u.v AS v, count(*)::float8 AS n
    FROM ${from} CROSS JOIN LATERAL (VALUES (-1, NULL::text), ${sql.join(rows, sql`, `)}) AS u(c, v)
    WHERE ${where ?? sql`true`}
    GROUP BY u.c, u.v`)) as unknown as { c: number; v: string | null; n: number }[];
  const out: WindowData = { size: 0, values: new Map() };
  for (const r of res) {
    if (r.c === -1) {
      out.size = Number(r.n);
      continue;
    }
    const key = String(r.c);
    const m = out.values.get(key) ?? new Map<string | null, number>();
    out.values.set(key, m);
    m.set(r.v, Number(r.n));
  }
  return out;
}

/** The WHERE of a monitor's traffic: the project, its filter and saved view, its deployment. */
export function trafficWhere(projectId: string, filter: TraceFilter, deployment: string | undefined, span: Span): SQL | undefined {
  const t = schema.traces;
  return and(
    traceWhere(projectId, filter),
    deployment ? sql`${t.metadata}->>'deployment' = ${deployment}` : undefined,
    span.from ? gte(t.timestamp, span.from) : undefined,
    span.to ? lt(t.timestamp, span.to) : undefined,
  );
}

/** Values keyed by the column's position in `defs` (as a string): see WindowData. */
export async function aggregateTraces(db: DbOrTx, where: SQL | undefined, defs: ColumnDef[]): Promise<WindowData> {
  return aggregate(
    db,
    sql`traces`,
    where,
    defs.map((d) => d.trace),
  );
}

/** A dataset version's rows; a column that a dataset row cannot have is a 400 naming it. */
export async function aggregateDatasetRows(db: DbOrTx, projectId: string, versionId: string, defs: ColumnDef[]): Promise<WindowData> {
  const missing = defs.filter((d) => !d.row).map((d) => d.name);
  if (missing.length)
    throw new DomainError(
      "BAD_REQUEST",
      `the reference dataset version has no column ${missing.join(", ")} (dataset rows have input, prediction or references, metadata: use input_chars, output_chars, language, refusal, metadata.KEY, input.KEY, prediction.label, prediction.score)`,
      "config.reference",
    );
  return aggregate(
    db,
    sql`dataset_rows r`,
    sql`r.project_id = ${projectId} AND r.version_id = ${versionId}`,
    defs.map((d) => d.row as SQL),
  );
}
