import { createHash } from "node:crypto";
import { DomainError } from "../core/errors";
import { findJsonProblem } from "../core/json-guard";

/**
 * Pure parsing and serialising of dataset files. A row is { input, references, prediction, metadata };
 * JSONL lines are objects with those keys, CSV files have them as header columns (RFC 4180).
 * Errors name the line (1-based, of the file) and the column (1-based character, or the field).
 */

export interface DatasetRow {
  input: unknown;
  references: string[];
  prediction: string | null;
  metadata: Record<string, unknown> | null;
}
export interface ParsedDataset {
  rows: DatasetRow[];
  /** the column names present: input, references, then prediction and metadata when any row has them */
  columns: string[];
  /** rowHash of each row and the contentHash, when computed where the rows were parsed (a worker thread) */
  hashes?: { rows: string[]; content: string };
}
/** The JSON rule's depth limit (KEEL_JSON_MAX_DEPTH when absent); a parameter so a worker thread applies the caller's. */
export interface ParseOptions {
  maxDepth?: number;
}
export type DatasetFormat = "jsonl" | "csv";

const bad = (message: string) => new DomainError("BAD_REQUEST", message, "file");

/** Strict UTF-8: the first line holding an invalid sequence is named. A leading BOM is dropped. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === 0x0a) {
        try {
          new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(start, i));
        } catch {
          throw bad(`file is not valid UTF-8 (line ${line})`);
        }
        line++;
        start = i + 1;
      }
    }
    throw bad("file is not valid UTF-8");
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Where a row came from, for messages: `line N, column C` (C a character column or a field name). */
type At = (column: string) => string;

function references(v: unknown, at: At): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v;
  throw bad(`${at("references")}: references must be a string or an array of strings`);
}

/** One row from an object with the dataset's keys. */
export function toRow(obj: Record<string, unknown>, at: At, opts: ParseOptions = {}): DatasetRow {
  if (obj.input === undefined || obj.input === null) throw bad(`${at("input")}: the input column is missing or empty`);
  const ref = obj.references ?? obj.reference;
  if (ref === undefined || ref === null) throw bad(`${at("references")}: the references column is missing or empty`);
  const prediction = obj.prediction ?? null;
  if (prediction !== null && typeof prediction !== "string") throw bad(`${at("prediction")}: prediction must be a string`);
  const metadata = obj.metadata ?? null;
  if (metadata !== null && !isObject(metadata)) throw bad(`${at("metadata")}: metadata must be a JSON object`);
  const row: DatasetRow = { input: obj.input, references: references(ref, at), prediction, metadata };
  // the JSON rule every body follows (core/json-guard.ts): jsonb refuses NUL and lone surrogates, which
  // would fail the whole insert; a hostile depth or 1e309 (Infinity) is named here, with its line
  const problem = findJsonProblem(row, { maxDepth: opts.maxDepth });
  if (problem) throw bad(`${at(problem.path.split(/[.[]/)[0] || "input")}: ${problem.path} ${problem.message}`);
  return row;
}

function columnsOf(rows: DatasetRow[]): string[] {
  const cols = ["input", "references"];
  if (rows.some((r) => r.prediction !== null)) cols.push("prediction");
  if (rows.some((r) => r.metadata !== null)) cols.push("metadata");
  return cols;
}

function nonEmpty(rows: DatasetRow[]): ParsedDataset {
  if (!rows.length) throw bad("file has no rows");
  return { rows, columns: columnsOf(rows) };
}

/** JSON Lines: one object per line; blank lines are skipped. */
export function parseJsonl(text: string, opts: ParseOptions = {}): ParsedDataset {
  const rows: DatasetRow[] = [];
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (!line.trim()) return;
    const n = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      const msg = (err as Error).message;
      const pos = msg.match(/position (\d+)/)?.[1];
      const col = pos === undefined ? line.length : Number(pos) + 1;
      throw bad(`line ${n}, column ${col}: invalid JSON (${msg})`);
    }
    if (!isObject(value)) throw bad(`line ${n}, column 1: expected a JSON object`);
    rows.push(toRow(value, (c) => `line ${n}, column ${JSON.stringify(c)}`, opts));
  });
  return nonEmpty(rows);
}

interface Record4180 {
  line: number;
  fields: string[];
}

/** RFC 4180 records: quoted fields may hold commas, doubled quotes and newlines; CRLF or LF ends a record. */
export function csvRecords(text: string): Record4180[] {
  const out: Record4180[] = [];
  let fields: string[] = [];
  let field = "";
  let line = 1;
  let col = 0;
  let recordLine = 1;
  let quoted = false;
  let quoteAt = { line: 0, col: 0 };
  let afterQuote = false;
  let fieldStarted = false;
  const endField = () => {
    fields.push(field);
    field = "";
    afterQuote = false;
    fieldStarted = false;
  };
  const endRecord = () => {
    endField();
    if (!(fields.length === 1 && fields[0] === "")) out.push({ line: recordLine, fields });
    fields = [];
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    col++;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
          col++;
        } else {
          quoted = false;
          afterQuote = true;
        }
      } else {
        field += ch;
        if (ch === "\n") {
          line++;
          col = 0;
        }
      }
      continue;
    }
    if (ch === ",") {
      endField();
      fieldStarted = true;
    } else if (ch === "\n" || (ch === "\r" && text[i + 1] === "\n")) {
      if (ch === "\r") i++;
      endRecord();
      line++;
      col = 0;
      recordLine = line;
    } else if (afterQuote) {
      throw bad(`line ${line}, column ${col}: unexpected character after a closing quote (double a quote inside a quoted field)`);
    } else if (ch === '"') {
      if (field !== "") throw bad(`line ${line}, column ${col}: a quote inside an unquoted field (quote the whole field)`);
      quoted = true;
      quoteAt = { line, col };
    } else {
      field += ch;
      fieldStarted = true;
    }
  }
  if (quoted) throw bad(`line ${quoteAt.line}, column ${quoteAt.col}: a quoted field is never closed`);
  if (field !== "" || afterQuote || fieldStarted || fields.length) endRecord();
  return out;
}

/** Cells are text; input and metadata take JSON when it parses to an object or array. */
function jsonCell(s: string): unknown {
  const t = s.trim();
  if (!(t.startsWith("{") || t.startsWith("["))) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

export function parseCsv(text: string, opts: ParseOptions = {}): ParsedDataset {
  const records = csvRecords(text);
  const header = records[0];
  if (!header) throw bad("file has no rows");
  const names = header.fields.map((f) => f.trim());
  const refName = names.includes("references") ? "references" : "reference";
  for (const need of ["input", refName]) {
    if (!names.includes(need)) throw bad(`line 1: the header has no ${need === "reference" ? "references" : need} column`);
  }
  const rows = records.slice(1).map((rec) => {
    if (rec.fields.length !== names.length) throw bad(`line ${rec.line}: ${rec.fields.length} fields where the header has ${names.length}`);
    const at: At = (c) => `line ${rec.line}, column ${names.indexOf(c === "references" ? refName : c) + 1} (${c})`;
    const cell = (name: string) => rec.fields[names.indexOf(name)];
    const input = cell("input");
    const ref = cell(refName) ?? "";
    const meta = cell("metadata");
    const pred = cell("prediction");
    let refs: unknown = ref;
    if (ref.trim().startsWith("[")) {
      refs = jsonCell(ref);
      if (refs === undefined) throw bad(`${at("references")}: references starting with [ must be a JSON array`);
    }
    let metadata: unknown = null;
    if (meta?.trim()) {
      metadata = jsonCell(meta);
      if (metadata === undefined) throw bad(`${at("metadata")}: metadata must be a JSON object`);
    }
    return toRow(
      {
        input: input === undefined || input === "" ? undefined : (jsonCell(input) ?? input),
        references: refs,
        prediction: pred ? pred : null,
        metadata,
      },
      at,
      opts,
    );
  });
  return nonEmpty(rows);
}

export function parseDataset(bytes: Uint8Array, format: DatasetFormat, opts: ParseOptions = {}): ParsedDataset {
  const text = decodeUtf8(bytes);
  return format === "csv" ? parseCsv(text, opts) : parseJsonl(text, opts);
}

/** JSON with object keys sorted, so equal rows hash equal whatever their key order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (isObject(v))
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(",")}}`;
  return JSON.stringify(v ?? null);
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

export const rowHash = (r: DatasetRow) => sha256(canonicalJson(r));

/** rowHash of every row and their contentHash, serialising each row once (a worker thread does this for big uploads). */
export function hashRows(rows: DatasetRow[]): { rows: string[]; content: string } {
  const h = createHash("sha256");
  const out: string[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const c = canonicalJson(rows[i]);
    out[i] = sha256(c);
    h.update(`${c}\n`);
  }
  return { rows: out, content: h.digest("hex") };
}

/** sha256 hex over the rows' canonical JSON, one per line, in order. */
export function contentHash(rows: DatasetRow[]): string {
  const h = createHash("sha256");
  for (const r of rows) h.update(`${canonicalJson(r)}\n`);
  return h.digest("hex");
}

export const CSV_HEADER = "input,references,prediction,metadata\r\n";

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A row as it was uploaded: JSONL line or CSV record (JSON cells for non-text input, references, metadata). */
export function formatRow(r: DatasetRow, format: DatasetFormat): string {
  if (format === "jsonl") return `${JSON.stringify(r)}\n`;
  const input = typeof r.input === "string" ? r.input : JSON.stringify(r.input);
  const cells = [input, JSON.stringify(r.references), r.prediction ?? "", r.metadata ? JSON.stringify(r.metadata) : ""];
  return `${cells.map(csvField).join(",")}\r\n`;
}
