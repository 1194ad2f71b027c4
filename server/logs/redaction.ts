import { DomainError } from "../core/errors";
import { MAX_CUSTOM_RULES, REDACTION_BUILTINS, REDACTION_RULE_NAME } from "./inputs";

/**
 * Redaction of logged prompts and responses at ingest, so that secrets never reach the database.
 *
 * Pure: no I/O. A project's config is compiled once (`compileRedaction`) and the result is applied
 * to every logged JSON value. Each match becomes `[REDACTED:<rule name>]`.
 *
 * Invariant for every built-in pattern: linear time in the input length. Each pattern either starts
 * with a lookbehind that forbids starting inside a run of the characters it consumes (so a failed
 * attempt over a long run is not retried at every later offset) or has only bounded quantifiers, and
 * no quantified group contains an ambiguous quantifier. Custom patterns are screened by a heuristic
 * (`nestedUnboundedQuantifier`), which catches the classic `(a+)+` shape but not every slow regex.
 */

export type BuiltinRule = (typeof REDACTION_BUILTINS)[number];

export const BUILTIN_RULES: readonly BuiltinRule[] = REDACTION_BUILTINS;

export interface CustomRule {
  name: string;
  pattern: string;
  flags?: string;
}

export interface RedactionConfig {
  builtins: BuiltinRule[];
  custom: CustomRule[];
}

export interface RedactionResult {
  value: unknown;
  /** Number of replaced spans over the whole value (overlapping matches count once). */
  redactions: number;
}

/**
 * One regex of a rule. `keep` returns how many leading characters of a match to redact, 0 to leave
 * the match alone (the whole match when absent). A rejected match is retried one character later, so
 * a pattern with `keep` must do bounded work per start offset (or refuse to start inside its own run).
 */
export interface Matcher {
  readonly re: RegExp;
  readonly keep?: (match: string) => number;
}

/** One compiled rule: every kept match of any of its matchers is redacted as `name`. */
export interface CompiledRule {
  readonly name: string;
  readonly matchers: readonly Matcher[];
}

export type Redactor = ((value: unknown) => RedactionResult) & { readonly rules: readonly CompiledRule[] };

export { MAX_CUSTOM_RULES };
export const MAX_PATTERN_LENGTH = 500;
const RULE_NAME = REDACTION_RULE_NAME;
const ALLOWED_FLAGS = new Set(["i", "m", "s", "u"]);

const digitsOf = (s: string) => s.replace(/\D/g, "");

/** Luhn checksum over a string of digits (the check every issued card number passes). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Random key material has a digit or an upper-case letter; snake_case identifiers and prose do not. */
const looksRandom = (m: string) => (/[0-9A-Z]/.test(m.slice(3)) ? m.length : 0);

const phoneDigits = (m: string) => {
  const d = digitsOf(m);
  return d.length >= 9 && d.length <= 15 && !/^(\d)\1*$/.test(d) ? m.length : 0;
};

/**
 * Longest prefix of a digit-group run that is a card number: 13-19 digits, Luhn-valid (about 1 random
 * number in 10 is, so long ids mostly survive) and not one repeated digit. Trailing groups are dropped
 * one by one, so `4111 1111 1111 1111 123` (a CVC after the number) still redacts the number.
 */
function cardPrefix(m: string): number {
  for (let end = m.length; end > 0; end = Math.max(m.lastIndexOf(" ", end - 1), m.lastIndexOf("-", end - 1))) {
    const d = digitsOf(m.slice(0, end));
    if (d.length >= 13 && d.length <= 19 && luhnValid(d) && !/^(\d)\1*$/.test(d)) return end;
  }
  return 0;
}

// Token characters of key shapes; a key never starts right after one of them.
const KEY_START = "(?<![A-Za-z0-9_-])";
const KEY_END = "(?![A-Za-z0-9_-])";
const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const HEX4 = "[0-9A-Fa-f]{1,4}";

const BUILTINS: Record<BuiltinRule, readonly Matcher[]> = {
  // RFC-ish: local part of at most 64 characters, dotted domain ending in an alphabetic TLD.
  email: [
    {
      re: /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,63}(?![A-Za-z0-9-])/g,
    },
  ],
  // 9 to 15 digits (E.164 allows 15), in one of three shapes: `+` international with any of
  // space/dot/dash separators and an optional (area) group; US `(415) 555-2671` / `415-555-2671` /
  // `415.555.2671` with an optional leading `1-`; national trunk-prefixed `0...` forms with ONE
  // repeated separator (`020 7946 0958`, `06.12.34.56.78`). Bare digit runs, years, versions, ISO
  // dates and space-separated number lists (`128 256 1024`) never match: every shape needs a `+`,
  // parentheses, a leading 0 or dot/dash separators, the digit count is checked, and the US and
  // national shapes never start at a later group of a longer digit-group run (`1234 0123 4567 89`).
  phone: [
    { re: /(?<![\w+])\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d){6,14}(?!\d)/g, keep: phoneDigits },
    {
      re: /(?<![\w.+-]|\d[ .-])(?:1[ .-])?(?:\(\d{3}\) ?\d{3}[ .-]\d{4}|\d{3}([.-])\d{3}\1\d{4})(?!\w|[.-]\d)/g,
      keep: phoneDigits,
    },
    { re: /(?<![\w.+/-]|\d[ ./-])0\d{1,4}([ ./-])\d{2,8}(?:\1\d{2,8}){0,4}(?!\w|[./-]\d)/g, keep: phoneDigits },
  ],
  // Up to 6 groups of digits split by single spaces or dashes (bounded work per start offset); never
  // starts inside a longer digit run. Which prefix is a card is decided by `cardPrefix`.
  credit_card: [{ re: /(?<![\w-])\d{4,19}(?:[ -]\d{3,19}){0,5}(?!\w)/g, keep: cardPrefix }],
  api_key: [
    // OpenAI `sk-...` / `sk-proj-...` and Keel `sk_...` / `pk_...`, 20+ characters in all.
    { re: new RegExp(`${KEY_START}(?:sk-|sk_|pk_)[A-Za-z0-9_-]{17,}`, "g"), keep: looksRandom },
    // Stripe: secret, publishable and restricted keys, live or test.
    { re: new RegExp(`${KEY_START}(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{8,}${KEY_END}`, "g") },
    // AWS access key ids (long-term AKIA, temporary ASIA).
    { re: /(?<![A-Za-z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])/g },
    // GitHub classic tokens and fine-grained PATs.
    { re: new RegExp(`${KEY_START}(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})${KEY_END}`, "g") },
    // Slack bot, app, user, refresh and legacy tokens.
    { re: new RegExp(`${KEY_START}xox[baprs]-[A-Za-z0-9-]{10,}`, "g") },
    // Google API keys: exactly 39 characters.
    { re: new RegExp(`${KEY_START}AIza[0-9A-Za-z_-]{35}${KEY_END}`, "g") },
    // Any bearer credential of 20+ characters; the scheme word itself is kept.
    { re: /(?<=\b[Bb][Ee][Aa][Rr][Ee][Rr][ \t]{1,10})[A-Za-z0-9._~+/-]{20,}=*/g },
  ],
  // IPv4 dotted quads (each octet 0-255, no leading zeros, not part of a longer dotted number or a
  // `v1.2.3.4` version) and fully written IPv6 (8 groups); compressed `::` IPv6 is not matched.
  ip_address: [
    { re: new RegExp(`(?<![\\w.])${OCTET}(?:\\.${OCTET}){3}(?![\\w]|\\.\\d)`, "g") },
    { re: new RegExp(`(?<![\\w:])${HEX4}(?::${HEX4}){7}(?![\\w:])`, "g") },
  ],
};

/**
 * True when a group containing an unbounded quantifier (`+`, `*`, `{n,}`) is itself repeated without
 * bound: `(a+)+`, `(?:\w+\s?)*`, `(x*y){2,}`. These backtrack exponentially on a near-miss.
 * Character classes and escapes are skipped; alternation overlap (`(a|aa)*`) is not detected.
 */
export function nestedUnboundedQuantifier(pattern: string): boolean {
  const unboundedAt = (j: number) => pattern[j] === "+" || pattern[j] === "*" || /^\{\d+,\}/.test(pattern.slice(j));
  const stack: boolean[] = [];
  let current = false; // whether the innermost open group (or the top level) holds an unbounded quantifier
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") i++;
    else if (c === "[") {
      for (i++; i < pattern.length && pattern[i] !== "]"; i++) if (pattern[i] === "\\") i++;
    } else if (c === "(") {
      stack.push(current);
      current = false;
    } else if (c === ")") {
      const inner: boolean = current;
      const repeated = unboundedAt(i + 1);
      if (inner && repeated) return true;
      current = (stack.pop() ?? false) || inner || repeated;
    } else if (unboundedAt(i)) current = true;
  }
  return false;
}

const invalid = (message: string, field: string) => new DomainError("BAD_REQUEST", message, field);

/** Throws a BAD_REQUEST DomainError naming the offending rule; returns nothing when the config is usable. */
export function validateRedactionConfig(config: RedactionConfig): void {
  for (const b of config.builtins) {
    if (!BUILTIN_RULES.includes(b)) throw invalid(`Unknown built-in redaction rule "${String(b)}"`, "builtins");
  }
  if (config.custom.length > MAX_CUSTOM_RULES) {
    throw invalid(`At most ${MAX_CUSTOM_RULES} custom redaction rules are allowed (got ${config.custom.length})`, "custom");
  }
  const seen = new Set<string>();
  config.custom.forEach((rule, i) => {
    const at = `custom[${i}]`;
    const label = `Custom redaction rule "${rule.name}"`;
    if (!RULE_NAME.test(rule.name)) {
      throw invalid(`${label}: the name must be 1-40 characters of a-z, 0-9, "_" or "-"`, `${at}.name`);
    }
    if (seen.has(rule.name)) throw invalid(`${label} is defined twice`, `${at}.name`);
    seen.add(rule.name);
    const flags = rule.flags ?? "";
    for (const f of flags) {
      if (!ALLOWED_FLAGS.has(f)) throw invalid(`${label}: flag "${f}" is not allowed (use i, m, s, u)`, `${at}.flags`);
    }
    if (rule.pattern.length > MAX_PATTERN_LENGTH) {
      throw invalid(`${label}: the pattern is longer than ${MAX_PATTERN_LENGTH} characters`, `${at}.pattern`);
    }
    let re: RegExp;
    try {
      re = new RegExp(rule.pattern, flags);
    } catch (err) {
      throw invalid(`${label}: the pattern does not compile (${(err as Error).message})`, `${at}.pattern`);
    }
    if (re.test("")) throw invalid(`${label}: the pattern matches the empty string`, `${at}.pattern`);
    if (nestedUnboundedQuantifier(rule.pattern)) {
      throw invalid(`${label}: the pattern repeats a repeated group, which can take exponential time`, `${at}.pattern`);
    }
  });
}

/** Validates (throwing like `validateRedactionConfig`) and compiles a config into a reusable redactor. */
export function compileRedaction(config: RedactionConfig): Redactor {
  validateRedactionConfig(config);
  const rules: CompiledRule[] = [];
  // Built-ins in a fixed order (it breaks ties between equal matches), then custom rules as given.
  for (const name of BUILTIN_RULES) if (config.builtins.includes(name)) rules.push({ name, matchers: BUILTINS[name] });
  for (const c of config.custom) rules.push({ name: c.name, matchers: [{ re: new RegExp(c.pattern, `${c.flags ?? ""}g`) }] });
  const redactor = (value: unknown): RedactionResult => {
    const counter = { n: 0 };
    return { value: walk(value, rules, counter), redactions: counter.n };
  };
  return Object.assign(redactor, { rules: Object.freeze(rules) });
}

interface Span {
  start: number;
  end: number;
  rank: number;
  name: string;
}

/** Redacts one string. Overlapping matches merge into one span named by the earliest (then longest) match. */
export function redactText(text: string, redactor: Pick<Redactor, "rules">): { text: string; redactions: number } {
  const spans: Span[] = [];
  redactor.rules.forEach((rule, rank) => {
    for (const { re, keep } of rule.matchers) {
      // Shared global regexes are safe: lastIndex is set before every exec in this synchronous loop.
      let from = 0;
      while (from <= text.length) {
        re.lastIndex = from;
        const m = re.exec(text);
        if (!m) break;
        const len = m[0].length === 0 ? 0 : keep ? keep(m[0]) : m[0].length;
        if (len > 0) spans.push({ start: m.index, end: m.index + len, rank, name: rule.name });
        from = m.index + Math.max(len, 1);
      }
    }
  });
  if (spans.length === 0) return { text, redactions: 0 };
  spans.sort((a, b) => a.start - b.start || b.end - a.end || a.rank - b.rank);
  const merged: Span[] = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s.start < last.end) last.end = Math.max(last.end, s.end);
    else merged.push({ ...s });
  }
  let out = "";
  let at = 0;
  for (const s of merged) {
    out += `${text.slice(at, s.start)}[REDACTED:${s.name}]`;
    at = s.end;
  }
  return { text: out + text.slice(at), redactions: merged.length };
}

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Copies a JSON value, redacting every string. Keys are kept as they are; numbers, booleans, null and
 * non-plain objects (Date, Buffer: not produced by JSON.parse) are returned as they are.
 * `Object.fromEntries` defines own properties, so a `"__proto__"` key stays data and never a prototype.
 */
function walk(value: unknown, rules: readonly CompiledRule[], counter: { n: number }): unknown {
  if (typeof value === "string") {
    const r = redactText(value, { rules });
    counter.n += r.redactions;
    return r.text;
  }
  if (Array.isArray(value)) return value.map((v) => walk(v, rules, counter));
  if (value !== null && typeof value === "object" && isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, rules, counter)]));
  }
  return value;
}
