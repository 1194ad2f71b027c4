import { env } from "../../env";
import { DomainError } from "./errors";

/**
 * The one rule for JSON Keel accepts (request bodies, ingested events, dataset uploads): UTF-8 that
 * decodes without loss, nesting at most KEEL_JSON_MAX_DEPTH deep, no NUL character and no lone
 * surrogate in any string or key (PostgreSQL's jsonb and text refuse both, which would fail a whole
 * transaction), and numbers that fit a double (`1e309` would silently become null).
 *
 * `findJsonProblem` walks a parsed value without recursion, so a hostile depth cannot overflow the
 * stack, and names the first offending path (`input.messages[3].content`).
 */
export interface JsonProblem {
  /** dotted path from the root, `""` for the root itself */
  path: string;
  message: string;
}

/** Paths name at most this many levels; deeper ones end in `…` (a 5,000-deep path helps no one). */
const PATH_LEVELS = 8;

const joinKey = (base: string, key: string | number) =>
  typeof key === "number"
    ? `${base}[${key}]`
    : /^[A-Za-z_$][\w$]*$/.test(key)
      ? base
        ? `${base}.${key}`
        : key
      : `${base}[${JSON.stringify(key)}]`;

function stringProblem(s: string): string | null {
  if (s.includes("\u0000")) return "contains a NUL character (\\u0000), which cannot be stored";
  // String.prototype.isWellFormed: Node 20 has it, TypeScript's lib target does not declare it
  if (!(s as unknown as { isWellFormed(): boolean }).isWellFormed())
    return "contains a lone UTF-16 surrogate (e.g. \\ud800), which is not valid Unicode";
  return null;
}

function pathOf(root: string, keys: (string | number)[]): string {
  let path = root;
  for (let i = 0; i < keys.length && i < PATH_LEVELS; i++) path = joinKey(path, keys[i] as string | number);
  return keys.length > PATH_LEVELS ? `${path}…` : path;
}

const TOO_DEEP = (max: number) => `nests deeper than ${max} levels (KEEL_JSON_MAX_DEPTH)`;
const OUT_OF_RANGE = "is a number out of range (beyond ±1.8e308)";

/** Keys from the problem up to the root, reversed (pushed on the way back up). */
interface Found {
  keys: (string | number)[];
  message: string;
}

/**
 * Recursive walk, for limits the native stack holds with room to spare: twice as fast as the
 * iterative one (no allocation per node), and ingest walks every event of every batch.
 */
function walk(v: unknown, depth: number, max: number): Found | null {
  if (typeof v === "string") {
    const p = stringProblem(v);
    return p ? { keys: [], message: p } : null;
  }
  if (typeof v === "number") return Number.isFinite(v) ? null : { keys: [], message: OUT_OF_RANGE };
  if (v === null || typeof v !== "object") return null;
  if (depth >= max) return { keys: [], message: TOO_DEEP(max) };
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const f = walk(v[i], depth + 1, max);
      if (f) {
        f.keys.push(i);
        return f;
      }
    }
    return null;
  }
  for (const k in v) {
    const kp = stringProblem(k);
    if (kp) return { keys: [k], message: `key ${kp}` };
    const f = walk((v as Record<string, unknown>)[k], depth + 1, max);
    if (f) {
      f.keys.push(k);
      return f;
    }
  }
  return null;
}

/** Iterative walk with parent links, for limits too deep to recurse safely. */
function walkIterative(value: unknown, max: number): Found | null {
  type Node = { v: unknown; depth: number; parent: Node | null; key: string | number };
  const keysOf = (n: Node | null, extra?: string) => {
    const keys: (string | number)[] = extra === undefined ? [] : [extra];
    for (let x = n; x?.parent; x = x.parent) keys.push(x.key);
    return keys;
  };
  const stack: Node[] = [{ v: value, depth: 0, parent: null, key: "" }];
  while (stack.length) {
    const node = stack.pop() as Node;
    const v = node.v;
    if (typeof v === "string") {
      const p = stringProblem(v);
      if (p) return { keys: keysOf(node), message: p };
    } else if (typeof v === "number") {
      if (!Number.isFinite(v)) return { keys: keysOf(node), message: OUT_OF_RANGE };
    } else if (v !== null && typeof v === "object") {
      if (node.depth >= max) return { keys: keysOf(node), message: TOO_DEEP(max) };
      const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((c, i) => [i, c]) : Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, c] = entries[i] as [string | number, unknown];
        if (typeof k === "string") {
          const kp = stringProblem(k);
          if (kp) return { keys: keysOf(node, k), message: `key ${kp}` };
        }
        stack.push({ v: c, depth: node.depth + 1, parent: node, key: k });
      }
    }
  }
  return null;
}

/** Deeper limits than this are walked without recursion. */
const RECURSION_LIMIT = 1000;

export function findJsonProblem(value: unknown, opts: { maxDepth?: number; root?: string } = {}): JsonProblem | null {
  const maxDepth = opts.maxDepth ?? env.KEEL_JSON_MAX_DEPTH;
  const found = maxDepth <= RECURSION_LIMIT ? walk(value, 0, maxDepth) : walkIterative(value, maxDepth);
  return found ? { path: pathOf(opts.root ?? "", found.keys.reverse()), message: found.message } : null;
}

/** Throw a 400 naming the path when `value` breaks the rule. */
export function assertJsonAcceptable(value: unknown, opts: { maxDepth?: number; root?: string } = {}): void {
  const p = findJsonProblem(value, opts);
  if (p) throw new DomainError("BAD_REQUEST", `${p.path || "body"}: ${p.message}`, p.path || undefined);
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Decode bytes as UTF-8, refusing invalid sequences (never U+FFFD in their place). */
export function decodeUtf8Strict(bytes: Uint8Array, what = "body"): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new DomainError("BAD_REQUEST", `${what}: is not valid UTF-8`, what === "body" ? undefined : what);
  }
}

/**
 * Parse JSON text and apply the rule. A syntax error is a 400 with the parser's message. The
 * parse itself is safe at any depth (V8's JSON.parse does not recurse on the native stack).
 */
export function parseJsonStrict(text: string, opts: { maxDepth?: number; root?: string; what?: string } = {}): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new DomainError("BAD_REQUEST", `Malformed JSON ${opts.what ?? "body"}: ${(err as Error).message}`);
  }
  assertJsonAcceptable(parsed, opts);
  return parsed;
}
