import { DomainError } from "../core/errors";
import { parseJsonStrict } from "../core/json-guard";
import { readBody } from "./request";

/**
 * MLflow's clients send non-finite doubles two ways: protobuf's JSON mapping writes them as the
 * strings "NaN", "Infinity" and "-Infinity" (MLflow's `message_to_json`), and Python's `json.dumps`
 * (allow_nan, its default) as the bare tokens NaN, Infinity and -Infinity, which are not JSON. On the
 * MLflow routes only, the bare tokens outside strings are read as those strings; everything else
 * follows Keel's one JSON rule (server/core/json-guard.ts), and Keel's own API stays strict.
 */
const TOKENS = ["-Infinity", "Infinity", "NaN"] as const;

/** Is `c` a character that may end a JSON value or separate tokens (so a bare token stands alone)? */
const isBoundary = (c: string | undefined) => c === undefined || /[\s,:[\]{}]/.test(c);

/** `text` with every bare NaN / Infinity / -Infinity outside strings quoted (pure; unchanged when none). */
export function quoteNonFinite(text: string): string {
  if (!text.includes("NaN") && !text.includes("Infinity")) return text;
  let out = "";
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      continue;
    }
    if (c !== "N" && c !== "I" && c !== "-") continue;
    const token = TOKENS.find((t) => text.startsWith(t, i));
    if (!token || !isBoundary(text[i - 1]) || !isBoundary(text[i + token.length])) continue;
    out += `${text.slice(from, i)}"${token}"`;
    i += token.length - 1;
    from = i + 1;
  }
  return out + text.slice(from);
}

/** The body of an MLflow POST/PATCH/DELETE as a JSON object (empty is `{}`), non-finite tokens allowed. */
export async function readMlflowJson(req: Request): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (!text.trim()) return {};
  const parsed = parseJsonStrict(quoteNonFinite(text));
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new DomainError("BAD_REQUEST", "Request body must be a JSON object");
  return parsed as Record<string, unknown>;
}

/** A JSON response body; numbers that JSON cannot hold are written as MLflow writes them ("NaN", "Infinity", "-Infinity"). */
export function mlflowJsonText(body: unknown): string {
  return JSON.stringify(body, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v));
}
