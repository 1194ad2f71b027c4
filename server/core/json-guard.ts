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

const join = (base: string, key: string | number, depth: number) =>
  depth < PATH_LEVELS ? joinKey(base, key) : depth === PATH_LEVELS ? `${base}…` : base;

function stringProblem(s: string): string | null {
  if (s.includes("\u0000")) return "contains a NUL character (\\u0000), which cannot be stored";
  // String.prototype.isWellFormed: Node 20 has it, TypeScript's lib target does not declare it
  if (!(s as unknown as { isWellFormed(): boolean }).isWellFormed())
    return "contains a lone UTF-16 surrogate (e.g. \\ud800), which is not valid Unicode";
  return null;
}

export function findJsonProblem(value: unknown, opts: { maxDepth?: number; root?: string } = {}): JsonProblem | null {
  const maxDepth = opts.maxDepth ?? env.KEEL_JSON_MAX_DEPTH;
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: opts.root ?? "", depth: 0 }];
  while (stack.length) {
    const { v, path, depth } = stack.pop() as { v: unknown; path: string; depth: number };
    if (typeof v === "string") {
      const p = stringProblem(v);
      if (p) return { path, message: p };
    } else if (typeof v === "number") {
      if (!Number.isFinite(v)) return { path, message: "is a number out of range (beyond ±1.8e308)" };
    } else if (v !== null && typeof v === "object") {
      if (depth >= maxDepth) return { path, message: `nests deeper than ${maxDepth} levels (KEEL_JSON_MAX_DEPTH)` };
      if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: join(path, i, depth), depth: depth + 1 });
      } else {
        const entries = Object.entries(v as Record<string, unknown>);
        for (let i = entries.length - 1; i >= 0; i--) {
          const [k, child] = entries[i] as [string, unknown];
          const kp = stringProblem(k);
          if (kp) return { path: join(path, k, depth), message: `key ${kp}` };
          stack.push({ v: child, path: join(path, k, depth), depth: depth + 1 });
        }
      }
    }
  }
  return null;
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
