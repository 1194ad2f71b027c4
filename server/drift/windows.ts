import { and, gte, is, lt, type SQL, sql } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError } from "../core/errors";
import { type TraceFilter, traceWhere } from "../logs";
import type { ColumnDef } from "./columns";
import { type CurrentConfig, type ReferenceConfig, WINDOWS } from "./contract";

/**
 * Windows of a monitor and their aggregation: per column, the distinct values of a window and how
 * many rows had each, so a million traces × 50 columns come back as the distinct values per column
 * instead of 50 million cells. Categorical columns are grouped in PostgreSQL; numerical columns are
 * read as raw texts, a JSON array per column, and counted here (see aggregate: grouping a column
 * with a value per row costs PostgreSQL more than it saves).
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

/** A column to aggregate: its SQL (text, NULL: missing) and whether it is numerical. */
interface Column {
  expr: SQL;
  numerical: boolean;
}

/** Numerical columns fetched per query (one JSON array each): bounds the memory of one result. */
const NUMERIC_BATCH = 4;
/** Numerical batches of one window in flight at once, beside the categorical query (on a pool: a connection each). */
const NUMERIC_LANES = 2;
/** A numerical column keeps the text of each distinct value up to this many; beyond, numbers (see CompactColumn). */
const MAX_TEXT_DISTINCT = 4096;

/**
 * The window's rows, reduced per column; see the file's comment. Categorical columns: grouped in
 * PostgreSQL in one query (groupCategorical), few rows back. Numerical columns: often nearly all
 * distinct (a continuous score has a value per row), where grouping by value costs PostgreSQL far
 * more than it saves, so each comes back as one JSON array of its raw texts (json_agg, a few columns
 * per query) and is counted here as it is read: by text, and past MAX_TEXT_DISTINCT values as
 * numbers in a Float64Array, sorted and run-length counted (CompactColumn). The categorical query and
 * NUMERIC_LANES numerical batches run at once on their own connections (one after another inside a
 * transaction): three queries keep two cores busy while this process counts, and two batches in
 * flight bound the JSON text held at once (about 90 MB a batch at a million rows).
 */
async function aggregate(db: DbOrTx, from: SQL, where: SQL | undefined, columns: Column[]): Promise<WindowData> {
  const w = where ?? sql`true`;
  const out: WindowData = { size: 0, values: new Map() };
  const categorical = columns.flatMap((c, i) => (c.numerical ? [] : [i]));
  const numerical = columns.flatMap((c, i) => (c.numerical ? [i] : []));
  const batches: number[][] = [];
  for (let k = 0; k < numerical.length; k += NUMERIC_BATCH) batches.push(numerical.slice(k, k + NUMERIC_BATCH));
  const inTransaction = is(db, PgTransaction);
  let next = 0;
  const lane = async () => {
    while (next < batches.length) await fetchNumerical(db, from, w, columns, batches[next++] as number[], out);
  };
  const lanes = Array.from({ length: inTransaction ? 1 : Math.min(NUMERIC_LANES, batches.length) }, () => lane);
  const grouped = categorical.length || !numerical.length ? () => groupCategorical(db, from, w, columns, categorical, out) : null;
  if (inTransaction) for (const run of grouped ? [grouped, ...lanes] : lanes) await run();
  else await Promise.all((grouped ? [grouped, ...lanes] : lanes).map((run) => run()));
  return out;
}

/**
 * Categorical columns grouped by value in PostgreSQL: each row of the window is joined with the
 * numbers 1..n+1 and k picks column k-1 in a CASE (only that expression is evaluated), so one
 * GROUP BY (k, value) counts every column; k = 1 (NULL) counts the window's rows. This beats an
 * unnest(ARRAY[...]) per row by a quarter and a LATERAL VALUES list by half in PostgreSQL CPU.
 */
async function groupCategorical(db: DbOrTx, from: SQL, where: SQL, columns: Column[], idx: number[], out: WindowData) {
  const cases = idx.map((i, j) => sql`WHEN ${sql.raw(String(j + 2))} THEN (${(columns[i] as Column).expr})::text`);
  const pick = cases.length ? sql`CASE k.c ${sql.join(cases, sql` `)} END` : sql`NULL::text`;
  const rows = (await db.execute(sql`
    SELECT g.c AS c, json_agg(g.v)::text AS vs, json_agg(g.n)::text AS ns
    FROM (
      SELECT k.c, ${pick} AS v, count(*)::float8 AS n
      FROM ${from} CROSS JOIN (SELECT generate_series(1, ${sql.raw(String(idx.length + 1))}) AS c) k
      WHERE ${where}
      GROUP BY 1, 2
    ) g
    GROUP BY g.c`)) as unknown as { c: number; vs: string; ns: string }[];
  for (const r of rows) {
    const vs = JSON.parse(r.vs) as (string | null)[];
    const ns = JSON.parse(r.ns) as number[];
    if (r.c === 1) {
      out.size = ns[0] ?? 0;
      continue;
    }
    const m = new Map<string | null, number>();
    for (let j = 0; j < vs.length; j++) m.set(vs[j] as string | null, ns[j] as number);
    out.values.set(String(idx[r.c - 2]), m);
  }
}

/** Numerical columns' raw texts, one JSON array per column, counted here (see aggregate). */
async function fetchNumerical(db: DbOrTx, from: SQL, where: SQL, columns: Column[], idx: number[], out: WindowData) {
  const exprs = idx.map((i, j) => sql`${(columns[i] as Column).expr} AS ${sql.raw(`x${j}`)}`);
  const aggs = idx.map((_, j) => sql.raw(`json_agg(s.x${j})::text AS v${j}`));
  // OFFSET 0 keeps the expressions in the subquery's projection, which parallel workers can compute
  // when they are dear (input_chars runs keel_json_text per row): 6.8 s instead of 10.9 s for
  // input_chars + output_chars over a million traces; json_agg itself runs in one process
  const [row] = (await db.execute(
    sql`SELECT count(*)::float8 AS n, ${sql.join(aggs, sql`, `)} FROM (SELECT ${sql.join(exprs, sql`, `)} FROM ${from} WHERE ${where} OFFSET 0) s`,
  )) as unknown as Record<string, string | number | null>[];
  if (!row) return;
  out.size = Number(row.n);
  idx.forEach((i, j) => {
    const text = row[`v${j}`];
    row[`v${j}`] = null; // let each column's text go once it is read
    if (typeof text === "string") out.values.set(String(i), countNumbers(text));
  });
}

/**
 * A text that JavaScript's Number() and the engine read as the same finite number, written plainly:
 * no blanks, no 0x / 0o / 0b prefix, not empty (Number("") is 0), nothing outside printable ASCII.
 */
function plainNumber(t: string): number | null {
  const n = t.length;
  if (n === 0) return null;
  const a = t.charCodeAt(0);
  const z = t.charCodeAt(n - 1);
  if (a <= 32 || a >= 127 || z <= 32 || z >= 127) return null;
  if (a === 48 && n > 2) {
    const b = t.charCodeAt(1) | 32; // lower case
    if (b === 120 || b === 111 || b === 98) return null; // x o b
  }
  const x = Number(t);
  return Number.isFinite(x) ? x : null;
}

/** Count the elements of a JSON array of strings and nulls (json_agg of text): by text, then as numbers past MAX_TEXT_DISTINCT. */
function countNumbers(json: string): Map<string | null, number> {
  let texts: Map<string | null, number> | null = new Map();
  let xs = new Float64Array(0);
  let k = 0;
  const other = new Map<string | null, number>(); // numbers mode: nulls and texts that are no plain number
  const push = (x: number) => {
    if (k === xs.length) {
      const bigger = new Float64Array(Math.max(65_536, xs.length * 2));
      bigger.set(xs);
      xs = bigger;
    }
    xs[k++] = x;
  };
  const add = (t: string | null) => {
    if (texts) {
      texts.set(t, (texts.get(t) ?? 0) + 1);
      if (texts.size > MAX_TEXT_DISTINCT) {
        // switch to numbers: plain numbers are kept as values (repeated by their count), the rest by text
        for (const [text, n] of texts) {
          const x = text === null ? null : plainNumber(text);
          if (x === null) other.set(text, n);
          else for (let r = 0; r < n; r++) push(x);
        }
        texts = null;
      }
      return;
    }
    const x = t === null ? null : plainNumber(t);
    if (x === null) other.set(t, (other.get(t) ?? 0) + 1);
    else push(x);
  };
  // json_agg writes [e, e, ...] with each e null or a JSON string
  let i = 1;
  let backslash = json.indexOf("\\");
  const end = json.length - 1;
  while (i < end) {
    const ch = json.charCodeAt(i);
    if (ch === 34) {
      let j = json.indexOf('"', i + 1);
      if (backslash !== -1 && backslash < j) {
        // an escape inside: find the closing quote the long way, let JSON.parse unescape
        j = i + 1;
        for (let c = json.charCodeAt(j); c !== 34; c = json.charCodeAt(j)) j += c === 92 ? 2 : 1;
        add(JSON.parse(json.slice(i, j + 1)) as string);
        backslash = json.indexOf("\\", j);
      } else add(json.slice(i + 1, j));
      i = j + 1;
    } else if (ch === 110) {
      add(null); // null
      i += 4;
    } else i++;
  }
  if (texts) return texts;
  return CompactColumn.from(xs.subarray(0, k), other);
}

/**
 * A numerical column's numbers without their texts, where aggregate kept them as numbers
 * (CompactColumn): the sorted distinct values and their counts, and the rest (null, texts that are
 * no plain number) by text; null for an ordinary Map. Lets a reader skip writing each number as text
 * and parsing it back (a second per million distinct values); the Map interface yields the same.
 */
export function compactNumbers(
  values: Map<string | null, number> | undefined,
): { values: Float64Array; counts: Float64Array; other: Map<string | null, number> } | null {
  return values instanceof CompactColumn ? values.numbers() : null;
}

/**
 * A numerical column with many distinct values, held as sorted distinct numbers and their counts
 * (16 bytes a value) instead of a Map entry per value; read through the Map interface, which yields
 * each number under its shortest text (String(x), read back by Number to the same value), then the
 * texts that are no plain number (and null) as they were. Written to (set, delete, clear), it turns
 * into an ordinary Map first.
 */
class CompactColumn extends Map<string | null, number> {
  private compact: { values: Float64Array; counts: Float64Array; other: Map<string | null, number> } | null;

  private constructor(values: Float64Array, counts: Float64Array, other: Map<string | null, number>) {
    super();
    this.compact = { values, counts, other };
  }

  static from(xs: Float64Array, other: Map<string | null, number>): CompactColumn {
    xs.sort();
    let distinct = 0;
    for (let i = 0; i < xs.length; i++) if (i === 0 || xs[i] !== xs[i - 1]) distinct++;
    const values = new Float64Array(distinct);
    const counts = new Float64Array(distinct);
    let j = -1;
    for (let i = 0; i < xs.length; i++) {
      if (i === 0 || xs[i] !== xs[i - 1]) values[++j] = xs[i] as number; // -0 and 0 are one value
      counts[j] = (counts[j] as number) + 1;
    }
    return new CompactColumn(values, counts, other);
  }

  /** The numbers as held (see compactNumbers); null once written to. */
  numbers(): { values: Float64Array; counts: Float64Array; other: Map<string | null, number> } | null {
    return this.compact && { ...this.compact };
  }

  private indexOf(key: string | null): number {
    const c = this.compact;
    if (!c || key === null) return -1;
    const x = plainNumber(key);
    if (x === null || String(x) !== key) return -1;
    let lo = 0;
    let hi = c.values.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = c.values[mid] as number;
      if (v === x) return mid;
      if (v < x) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private materialize() {
    const c = this.compact;
    if (!c) return;
    this.compact = null;
    for (let i = 0; i < c.values.length; i++) super.set(String(c.values[i]), c.counts[i] as number);
    for (const [k, n] of c.other) super.set(k, n);
  }

  get size(): number {
    return this.compact ? this.compact.values.length + this.compact.other.size : super.size;
  }
  get(key: string | null): number | undefined {
    const c = this.compact;
    if (!c) return super.get(key);
    const i = this.indexOf(key);
    return i >= 0 ? c.counts[i] : c.other.get(key);
  }
  has(key: string | null): boolean {
    const c = this.compact;
    if (!c) return super.has(key);
    return this.indexOf(key) >= 0 || c.other.has(key);
  }
  set(key: string | null, value: number): this {
    this.materialize();
    return super.set(key, value);
  }
  delete(key: string | null): boolean {
    this.materialize();
    return super.delete(key);
  }
  clear(): void {
    this.compact = null;
    super.clear();
  }
  forEach(fn: (value: number, key: string | null, map: Map<string | null, number>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }
  *#entries(): Generator<[string | null, number], undefined> {
    const c = this.compact;
    if (!c) {
      yield* super.entries();
      return;
    }
    for (let i = 0; i < c.values.length; i++) yield [String(c.values[i]), c.counts[i] as number];
    yield* c.other;
  }
  entries(): MapIterator<[string | null, number]> {
    return this.#entries() as unknown as MapIterator<[string | null, number]>;
  }
  keys(): MapIterator<string | null> {
    const it = this.entries();
    return (function* () {
      for (const [k] of it) yield k;
    })() as unknown as MapIterator<string | null>;
  }
  values(): MapIterator<number> {
    const it = this.entries();
    return (function* () {
      for (const [, v] of it) yield v;
    })() as unknown as MapIterator<number>;
  }
  [Symbol.iterator](): MapIterator<[string | null, number]> {
    return this.entries();
  }
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
    defs.map((d) => ({ expr: d.trace, numerical: d.type === "numerical" })),
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
    defs.map((d) => ({ expr: d.row as SQL, numerical: d.type === "numerical" })),
  );
}
