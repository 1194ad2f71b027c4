import { DomainError } from "../core/errors";

/**
 * The subset of MLflow's run search grammar Keel accepts (pure; no database):
 *
 *   filter   := clause (AND clause)*
 *   clause   := metrics.KEY op NUMBER
 *             | params.KEY sop STRING | tags.KEY sop STRING
 *             | attributes.status|run_name|run_id|user_id sop STRING | attributes.status|run_id IN (STRING, ...)
 *             | attributes.start_time|end_time op NUMBER
 *   op       := = | != | < | <= | > | >=        sop := = | != | LIKE | ILIKE
 *   order_by := (metrics|params|tags|attributes).KEY [ASC|DESC]   (ASC by default, as MLflow)
 *
 * KEY is `[\w./:-]+`, or quoted with backticks or double quotes when it holds other characters.
 * Strings take single or double quotes; a doubled quote inside is one quote. The entity prefix may
 * be singular (`metric.`, `param.`, `tag.`, `attribute.`/`run.`); a bare attribute needs none.
 */

export type NumOp = "=" | "!=" | "<" | "<=" | ">" | ">=";
export type StrOp = "=" | "!=" | "LIKE" | "ILIKE";
export type RunAttribute = "status" | "run_name" | "run_id" | "user_id" | "start_time" | "end_time";

export type Clause =
  | { kind: "metric"; key: string; op: NumOp; value: number }
  | { kind: "param" | "tag"; key: string; op: StrOp; value: string }
  | { kind: "attribute"; key: "status" | "run_name" | "run_id" | "user_id"; op: StrOp; value: string }
  | { kind: "attribute"; key: "status" | "run_id"; op: "IN" | "NOT IN"; value: string[] }
  | { kind: "attribute"; key: "start_time" | "end_time"; op: NumOp; value: number };

export interface OrderBy {
  kind: "metric" | "param" | "tag" | "attribute";
  /** for attributes: start_time, end_time, run_name, status */
  key: string;
  desc: boolean;
}

export const RUN_STATUSES = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

const ENTITY: Record<string, OrderBy["kind"]> = {
  metric: "metric",
  metrics: "metric",
  param: "param",
  params: "param",
  parameter: "param",
  parameters: "param",
  tag: "tag",
  tags: "tag",
  attribute: "attribute",
  attributes: "attribute",
  attr: "attribute",
  run: "attribute",
};
const STRING_ATTRS = new Set(["status", "run_name", "run_id", "user_id"]);
const NUMBER_ATTRS = new Set(["start_time", "end_time"]);
const ATTR_ALIASES: Record<string, string> = { name: "run_name", run_uuid: "run_id", id: "run_id", created: "start_time" };
const ORDER_ATTRS = new Set(["start_time", "end_time", "run_name", "status"]);

export type Token =
  | { t: "ident"; v: string; quoted: boolean }
  | { t: "str"; v: string }
  | { t: "num"; v: number }
  | { t: "op"; v: string }
  | { t: "punct"; v: "(" | ")" | "," | "." };

export const bad = (what: string, input: string, field: string) =>
  new DomainError("BAD_REQUEST", `invalid ${field} "${input}": ${what}`, field);

export function tokenize(input: string, field: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"' || c === "`") {
      let v = "";
      let j = i + 1;
      for (;;) {
        if (j >= input.length) throw bad(`unterminated ${c} quote at character ${i + 1}`, input, field);
        if (input[j] === c) {
          if (input[j + 1] === c) {
            v += c;
            j += 2;
            continue;
          }
          break;
        }
        v += input[j];
        j++;
      }
      // a backtick (or a double quote right after "prefix.") quotes a key; otherwise a string value
      const prev = out[out.length - 1];
      const isKey = c === "`" || (c === '"' && prev?.t === "punct" && prev.v === ".");
      out.push(isKey ? { t: "ident", v, quoted: true } : { t: "str", v });
      i = j + 1;
    } else if (/[-+\d]/.test(c) && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.test(input.slice(i)) && !/[\w.]/.test(input[i - 1] ?? " ")) {
      const m = input.slice(i).match(/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/) as RegExpMatchArray;
      out.push({ t: "num", v: Number(m[0]) });
      i += m[0].length;
    } else if (/[<>=!]/.test(c)) {
      const m = input.slice(i).match(/^(<=|>=|!=|==|<>|=|<|>)/);
      if (!m) throw bad(`unexpected "${c}" at character ${i + 1}`, input, field);
      out.push({ t: "op", v: m[0] === "==" ? "=" : m[0] === "<>" ? "!=" : m[0] });
      i += m[0].length;
    } else if (c === "(" || c === ")" || c === ",") {
      out.push({ t: "punct", v: c });
      i++;
    } else if (/[\w]/.test(c)) {
      // an identifier runs up to the first dot after the prefix; keys may hold dots, slashes, dashes
      const m = input.slice(i).match(/^[\w][\w./:-]*/) as RegExpMatchArray;
      const word = m[0];
      const dot = word.indexOf(".");
      if (dot > 0 && ENTITY[word.slice(0, dot).toLowerCase()]) {
        out.push({ t: "ident", v: word.slice(0, dot), quoted: false }, { t: "punct", v: "." });
        if (dot + 1 < word.length) out.push({ t: "ident", v: word.slice(dot + 1), quoted: false });
      } else out.push({ t: "ident", v: word, quoted: false });
      i += word.length;
    } else {
      throw bad(`unexpected "${c}" at character ${i + 1}`, input, field);
    }
  }
  return out;
}

/** `prefix.key` or a bare attribute name, from tokens at `pos`. */
export function readIdentifier(
  tokens: Token[],
  pos: number,
  input: string,
  field: string,
): { kind: OrderBy["kind"]; key: string; next: number } {
  const first = tokens[pos];
  if (first?.t !== "ident") throw bad("expected metrics.KEY, params.KEY, tags.KEY or an attribute", input, field);
  const dot = tokens[pos + 1];
  const entity = first.quoted ? undefined : ENTITY[first.v.toLowerCase()];
  if (entity && dot?.t === "punct" && dot.v === ".") {
    const key = tokens[pos + 2];
    if (key?.t !== "ident" || !key.v) throw bad(`expected a key after "${first.v}."`, input, field);
    return { kind: entity, key: key.v, next: pos + 3 };
  }
  return { kind: "attribute", key: first.v, next: pos + 1 };
}

function attributeName(key: string, input: string, field: string, allowed: Set<string>): string {
  const k = ATTR_ALIASES[key.toLowerCase()] ?? key.toLowerCase();
  if (!allowed.has(k)) throw bad(`unknown attribute "${key}" (use ${[...allowed].join(", ")})`, input, field);
  return k;
}

function readClause(tokens: Token[], pos: number, input: string): { clause: Clause; next: number } {
  const F = "filter";
  const id = readIdentifier(tokens, pos, input, F);
  let i = id.next;
  const opTok = tokens[i];
  let op: string;
  if (opTok?.t === "op") op = opTok.v;
  else if (opTok?.t === "ident" && /^(like|ilike|in)$/i.test(opTok.v)) op = opTok.v.toUpperCase();
  else if (opTok?.t === "ident" && /^not$/i.test(opTok.v) && tokens[i + 1]?.t === "ident" && /^in$/i.test(String(tokens[i + 1]?.v))) {
    op = "NOT IN";
    i++;
  } else throw bad(`expected a comparison after "${id.key}"`, input, F);
  i++;
  const where = id.kind === "attribute" ? id.key : `${id.kind}s.${id.key}`;
  if (op === "IN" || op === "NOT IN") {
    const key = id.kind === "attribute" ? attributeName(id.key, input, F, new Set([...STRING_ATTRS, ...NUMBER_ATTRS])) : "";
    if (key !== "status" && key !== "run_id") throw bad(`${op} applies to attributes.status and attributes.run_id only`, input, F);
    if (tokens[i]?.t !== "punct" || tokens[i]?.v !== "(") throw bad(`expected "(" after ${op}`, input, F);
    const values: string[] = [];
    i++;
    for (;;) {
      const v = tokens[i];
      if (v?.t !== "str") throw bad(`expected a quoted string in the ${op} list`, input, F);
      values.push(v.v);
      const sep = tokens[i + 1];
      i += 2;
      if (sep?.t === "punct" && sep.v === ")") break;
      if (sep?.t !== "punct" || sep.v !== ",") throw bad(`expected "," or ")" in the ${op} list`, input, F);
    }
    return { clause: { kind: "attribute", key, op, value: values }, next: i };
  }
  const valTok = tokens[i];
  if (!valTok || (valTok.t !== "str" && valTok.t !== "num")) throw bad(`expected a value after "${where} ${op}"`, input, F);
  i++;
  const numOps = ["=", "!=", "<", "<=", ">", ">="];
  const strOps = ["=", "!=", "LIKE", "ILIKE"];
  if (id.kind === "metric") {
    if (!numOps.includes(op)) throw bad(`${where} takes =, !=, <, <=, > or >=`, input, F);
    if (valTok.t !== "num") throw bad(`${where} compares with a number`, input, F);
    return { clause: { kind: "metric", key: id.key, op: op as NumOp, value: valTok.v }, next: i };
  }
  if (id.kind === "param" || id.kind === "tag") {
    if (!strOps.includes(op)) throw bad(`${where} takes =, !=, LIKE or ILIKE`, input, F);
    if (valTok.t !== "str") throw bad(`${where} compares with a quoted string`, input, F);
    return { clause: { kind: id.kind, key: id.key, op: op as StrOp, value: valTok.v }, next: i };
  }
  const key = attributeName(id.key, input, F, new Set([...STRING_ATTRS, ...NUMBER_ATTRS]));
  if (NUMBER_ATTRS.has(key)) {
    if (!numOps.includes(op) || valTok.t !== "num") throw bad(`${key} compares with a number (=, !=, <, <=, >, >=)`, input, F);
    return { clause: { kind: "attribute", key: key as "start_time", op: op as NumOp, value: valTok.v }, next: i };
  }
  if (!strOps.includes(op) || valTok.t !== "str") throw bad(`${key} compares with a quoted string (=, !=, LIKE, ILIKE)`, input, F);
  if (key === "status" && (op === "=" || op === "!=") && !(RUN_STATUSES as readonly string[]).includes(valTok.v))
    throw bad(`status is one of ${RUN_STATUSES.join(", ")}`, input, F);
  return { clause: { kind: "attribute", key: key as "status", op: op as StrOp, value: valTok.v }, next: i };
}

/** Parse a filter string; empty or blank is no filter. Throws a 400 DomainError (field `filter`) naming the problem. */
export function parseFilter(input: string | null | undefined): Clause[] {
  if (!input?.trim()) return [];
  if (input.length > 4000) throw new DomainError("BAD_REQUEST", "filter is longer than 4000 characters", "filter");
  const tokens = tokenize(input, "filter");
  const clauses: Clause[] = [];
  let i = 0;
  for (;;) {
    const { clause, next } = readClause(tokens, i, input);
    clauses.push(clause);
    i = next;
    if (i >= tokens.length) break;
    const and = tokens[i];
    if (and?.t !== "ident" || and.v.toUpperCase() !== "AND")
      throw bad(
        `expected AND between clauses${and?.t === "ident" && /^or$/i.test(and.v) ? " (OR is not supported)" : ""}`,
        input,
        "filter",
      );
    i++;
  }
  return clauses;
}

/** Parse one order_by clause; empty is the default order (start time, newest first). */
export function parseOrderBy(input: string | null | undefined): OrderBy | null {
  if (!input?.trim()) return null;
  const F = "order_by";
  const tokens = tokenize(input, F);
  const id = readIdentifier(tokens, 0, input, F);
  let desc = false;
  const dir = tokens[id.next];
  if (dir) {
    if (dir.t !== "ident" || !/^(asc|desc)$/i.test(dir.v)) throw bad("expected ASC or DESC after the key", input, F);
    desc = dir.v.toUpperCase() === "DESC";
    if (tokens[id.next + 1]) throw bad("one key per order_by clause", input, F);
  }
  if (id.kind === "attribute") return { kind: "attribute", key: attributeName(id.key, input, F, ORDER_ATTRS), desc };
  return { kind: id.kind, key: id.key, desc };
}
