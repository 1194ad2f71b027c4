import { DomainError } from "../core/errors";
import { bad, type NumOp, readIdentifier, type StrOp, tokenize } from "./mlflow-search";

/**
 * MLflow 3's logged-model search filter, the subset Keel accepts (pure; the SQL is in logged-models.ts):
 *
 *   filter := clause (AND clause)*
 *   clause := [attributes.]name|model_id|source_run_id|status|model_type  sop STRING
 *           | [attributes.]creation_timestamp|last_updated_timestamp      op NUMBER   (epoch ms)
 *           | params.KEY sop STRING | tags.KEY sop STRING | metrics.KEY op NUMBER
 *
 * with the run search's tokens (mlflow-search.ts): quoted keys, `=`, `!=`, `<`..., LIKE, ILIKE.
 * `status` takes READY, PENDING, FAILED or the protobuf names (LOGGED_MODEL_READY, ...).
 */

export type LoggedModelAttribute = "name" | "model_id" | "source_run_id" | "status" | "model_type";
export type LoggedModelClause =
  | { kind: "attribute"; key: LoggedModelAttribute; op: StrOp; value: string }
  | { kind: "time"; key: "created" | "updated"; op: NumOp; value: number }
  | { kind: "param" | "tag"; key: string; op: StrOp; value: string }
  | { kind: "metric"; key: string; op: NumOp; value: number };

export type LoggedModelStatus = "pending" | "ready" | "failed";

const STRING_ATTRS: Record<string, LoggedModelAttribute> = {
  name: "name",
  model_id: "model_id",
  id: "model_id",
  source_run_id: "source_run_id",
  run_id: "source_run_id",
  status: "status",
  model_type: "model_type",
};
const TIME_ATTRS: Record<string, "created" | "updated"> = {
  creation_timestamp: "created",
  creation_time: "created",
  creation_timestamp_ms: "created",
  last_updated_timestamp: "updated",
  last_updated_timestamp_ms: "updated",
};
const NUM_OPS = ["=", "!=", "<", "<=", ">", ">="];
const STR_OPS = ["=", "!=", "LIKE", "ILIKE"];

/** LOGGED_MODEL_READY, READY, 2, ... to Keel's status; null when it names none. */
export function loggedModelStatusOf(v: unknown): LoggedModelStatus | null {
  const s = String(v ?? "")
    .trim()
    .toUpperCase()
    .replace(/^LOGGED_MODEL_/, "");
  if (s === "READY" || s === "2") return "ready";
  if (s === "PENDING" || s === "1") return "pending";
  if (s === "UPLOAD_FAILED" || s === "FAILED" || s === "3") return "failed";
  return null;
}

/** Parse a filter; empty is none. A 400 names what is wrong (field `filter`). */
export function parseLoggedModelFilter(input: string | null | undefined): LoggedModelClause[] {
  if (!input?.trim()) return [];
  const F = "filter";
  if (input.length > 4000) throw new DomainError("BAD_REQUEST", "filter is longer than 4000 characters", F);
  const tokens = tokenize(input, F);
  const out: LoggedModelClause[] = [];
  let i = 0;
  for (;;) {
    const id = readIdentifier(tokens, i, input, F);
    const opTok = tokens[id.next];
    const op = opTok?.t === "op" ? opTok.v : opTok?.t === "ident" && /^i?like$/i.test(opTok.v) ? opTok.v.toUpperCase() : null;
    if (!op) throw bad(`expected a comparison after "${id.key}"`, input, F);
    const val = tokens[id.next + 1];
    if (!val || (val.t !== "str" && val.t !== "num")) throw bad(`expected a value after "${id.key} ${op}"`, input, F);
    const numeric = (what: string) => {
      if (!NUM_OPS.includes(op) || val.t !== "num") throw bad(`${what} compares with a number (=, !=, <, <=, >, >=)`, input, F);
      return { op: op as NumOp, value: val.v };
    };
    const text = (what: string) => {
      if (!STR_OPS.includes(op) || val.t !== "str") throw bad(`${what} compares with a quoted string (=, !=, LIKE, ILIKE)`, input, F);
      return { op: op as StrOp, value: val.v };
    };
    if (id.kind === "metric") out.push({ kind: "metric", key: id.key, ...numeric(`metrics.${id.key}`) });
    else if (id.kind === "param" || id.kind === "tag") out.push({ kind: id.kind, key: id.key, ...text(`${id.kind}s.${id.key}`) });
    else {
      const name = id.key.toLowerCase();
      const time = TIME_ATTRS[name];
      const attr = STRING_ATTRS[name];
      if (time) out.push({ kind: "time", key: time, ...numeric(name) });
      else if (attr) {
        const c = text(name);
        if (attr === "status") {
          const status = loggedModelStatusOf(c.value);
          if (!status || (c.op !== "=" && c.op !== "!="))
            throw bad("status is = or != one of READY, PENDING, FAILED (or LOGGED_MODEL_READY, ...)", input, F);
          c.value = status;
        }
        out.push({ kind: "attribute", key: attr, ...c });
      } else
        throw bad(
          `unknown attribute "${id.key}" (use ${[...Object.keys(STRING_ATTRS), ...Object.keys(TIME_ATTRS)].join(", ")}, or metrics., params., tags.)`,
          input,
          F,
        );
    }
    i = id.next + 2;
    if (i >= tokens.length) return out;
    const and = tokens[i];
    if (and?.t !== "ident" || and.v.toUpperCase() !== "AND") throw bad("expected AND between clauses (OR is not supported)", input, F);
    i++;
  }
}

export interface LoggedModelOrder {
  key: "created" | "updated" | "name";
  desc: boolean;
}

/** MLflow's `order_by: [{field_name, ascending}]`; Keel honours the first. Default: newest first. */
export function parseLoggedModelOrder(v: unknown): LoggedModelOrder {
  const list = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  const first = list[0] as { field_name?: unknown; ascending?: unknown } | undefined;
  if (!first) return { key: "created", desc: true };
  const field = typeof first.field_name === "string" ? first.field_name.replace(/^attributes?\./, "").toLowerCase() : "";
  const key = field === "name" ? "name" : TIME_ATTRS[field];
  if (!key)
    throw new DomainError(
      "BAD_REQUEST",
      `Invalid order_by field_name ${JSON.stringify(first.field_name)}: use creation_timestamp, last_updated_timestamp or name`,
      "order_by",
    );
  if (first.ascending !== undefined && typeof first.ascending !== "boolean")
    throw new DomainError("BAD_REQUEST", "order_by ascending must be true or false", "order_by");
  return { key, desc: first.ascending === false };
}
