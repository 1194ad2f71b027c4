/**
 * sacrebleu 2.6.0 tokenizers (`13a`, `intl`, `char`, `none`) and the small string helpers BLEU and chrF
 * share, reproducing Python semantics where JavaScript differs:
 * - Python's `str.split()` / `str.strip()` whitespace also covers \x1c-\x1f and \x85 (JS `\s` does not)
 *   and excludes \ufeff (JS `\s` includes it);
 * - Python indexes strings by code point, JS by UTF-16 unit: char-level code works on code points.
 * Pure functions; every regular expression is compiled once at module load.
 */

export type TokenizerName = "13a" | "intl" | "char" | "none";
export const TOKENIZER_NAMES: readonly TokenizerName[] = ["13a", "intl", "char", "none"];

export interface TokenizeOptions {
  /** Lowercase (Python `str.lower()`, which matches JS `toLowerCase()`) before tokenizing. */
  lowercase?: boolean;
}

// Python str.isspace() code points (all in the BMP).
const PY_WS_CLASS = "\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_TOKEN_RE = new RegExp(`[^${PY_WS_CLASS}]+`, "g");

/** True when the UTF-16 unit `c` is whitespace for Python's `str.split()`. */
export function isPyWhitespace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
  if (c < 0x85) return false;
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** Python `s.split()`: runs of non-whitespace, no empty strings. */
export function pySplit(s: string): string[] {
  return s.match(PY_TOKEN_RE) ?? [];
}

/** Python `s.rstrip()`. */
export function pyRstrip(s: string): string {
  let end = s.length;
  while (end > 0 && isPyWhitespace(s.charCodeAt(end - 1))) end--;
  return end === s.length ? s : s.slice(0, end);
}

// --- 13a (mteval-v13a.pl, sacrebleu Tokenizer13a + TokenizerRegexp) ---
// sacrebleu's first class is [{-~[-` -&(-+:-@/]; the space (0x20) is left out here because turning a space
// into three spaces cannot change the later regexes (none of them consumes a space that another needs) or
// the final split.
const RE_13A_SYMBOLS = /([\x21-\x26\x28-\x2b\x2f\x3a-\x40\x5b-\x60\x7b-\x7e])/g;
const RE_13A_PERIOD_COMMA_AFTER_NON_DIGIT = /([^0-9])([.,])/g;
const RE_13A_PERIOD_COMMA_BEFORE_NON_DIGIT = /([.,])([^0-9])/g;
const RE_13A_DASH_AFTER_DIGIT = /([0-9])(-)/g;

/** sacrebleu's 13a pre-regex steps: `<skipped>`, `-\n`, `\n`, and the four HTML entities, in its order. */
function preprocess13a(line: string): string {
  let s = line;
  if (s.includes("<skipped>")) s = s.replaceAll("<skipped>", "");
  if (s.includes("\n")) s = s.replaceAll("-\n", "").replaceAll("\n", " ");
  if (s.includes("&")) {
    s = s.replaceAll("&quot;", '"').replaceAll("&amp;", "&").replaceAll("&lt;", "<").replaceAll("&gt;", ">");
  }
  return s;
}

/**
 * The 13a tokenizer as the four regex substitutions and a split: the straightforward form, kept as the
 * reference the single-pass scanner (`tokenize13a`) is tested against.
 */
export function tokenize13aReference(line: string): string[] {
  let s = preprocess13a(line);
  s = ` ${s} `.replace(RE_13A_SYMBOLS, " $1 ");
  if (s.includes(".") || s.includes(",")) {
    s = s.replace(RE_13A_PERIOD_COMMA_AFTER_NON_DIGIT, "$1 $2 ").replace(RE_13A_PERIOD_COMMA_BEFORE_NON_DIGIT, " $1 $2");
  }
  if (s.includes("-")) s = s.replace(RE_13A_DASH_AFTER_DIGIT, "$1 $2 ");
  return pySplit(s);
}

// 1 for the code units RE_13A_SYMBOLS isolates, 2 for "." and ",", 3 for "-", 4 for Python whitespace (ASCII only).
const CLASS_13A = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if ((c >= 0x21 && c <= 0x26) || (c >= 0x28 && c <= 0x2b) || c === 0x2f || (c >= 0x3a && c <= 0x40)) CLASS_13A[c] = 1;
  else if ((c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e)) CLASS_13A[c] = 1;
  else if (c === 0x2e || c === 0x2c) CLASS_13A[c] = 2;
  else if (c === 0x2d) CLASS_13A[c] = 3;
  else if (isPyWhitespace(c)) CLASS_13A[c] = 4;
}
const ASCII_CHARS = Array.from({ length: 128 }, (_, c) => String.fromCharCode(c));

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/**
 * 13a in one pass over the preprocessed line, splitting exactly where the regexes put spaces (on the padded
 * line ` s `, "prev"/"next" being the neighbouring code units there):
 * - each symbol of RE_13A_SYMBOLS is a token of its own;
 * - a "." or "," is matched by `([^0-9])([.,])` (non-overlapping, left to right) when prev is not a digit
 *   and prev is not itself a "."/"," that was matched; matched ones become tokens of their own;
 * - an unmatched "." or "," is a token of its own too when next is not a digit (`([.,])([^0-9])` puts spaces
 *   around it; no two unmatched ones are adjacent, so that regex never has one consumed by an earlier match);
 *   one between a digit and a digit stays inside its token;
 * - a "-" after a digit is a token of its own (`([0-9])(-)`);
 * - the inserted spaces never turn a digit neighbour into a non-digit one or the reverse, so every test
 *   above can read the original line; Python whitespace separates tokens.
 */
function tokenize13a(line: string): string[] {
  const s = preprocess13a(line);
  const out: string[] = [];
  const n = s.length;
  let start = 0; // start of the token being read
  let prevMatched = false; // whether the previous unit, when "." or ",", was matched by ([^0-9])([.,])
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    let cls: number;
    if (c < 128) {
      cls = CLASS_13A[c] as number;
      if (cls === 0) continue;
    } else {
      if (!isPyWhitespace(c)) continue;
      cls = 4;
    }
    if (cls === 4) {
      if (start < i) out.push(s.slice(start, i));
      start = i + 1;
      continue;
    }
    if (cls === 2) {
      const p = i > 0 ? s.charCodeAt(i - 1) : 0x20;
      const matched: boolean = !isDigit(p) && !((p === 0x2e || p === 0x2c) && prevMatched);
      prevMatched = matched;
      if (!matched && isDigit(i + 1 < n ? s.charCodeAt(i + 1) : 0x20)) continue;
    } else if (cls === 3 && !(i > 0 && isDigit(s.charCodeAt(i - 1)))) {
      continue;
    }
    // c is a token of its own
    if (start < i) out.push(s.slice(start, i));
    out.push(ASCII_CHARS[c] as string);
    start = i + 1;
  }
  if (start < n) out.push(s.slice(start, n));
  return out;
}

// --- intl (mteval-v14.pl international, sacrebleu TokenizerV14International) ---
const RE_INTL_PUNCT_AFTER_NON_DIGIT = /(\P{N})(\p{P})/gu;
const RE_INTL_PUNCT_BEFORE_NON_DIGIT = /(\p{P})(\P{N})/gu;
const RE_INTL_SYMBOL = /(\p{S})/gu;

function tokenizeIntl(line: string): string[] {
  const s = line
    .replace(RE_INTL_PUNCT_AFTER_NON_DIGIT, "$1 $2 ")
    .replace(RE_INTL_PUNCT_BEFORE_NON_DIGIT, " $1 $2")
    .replace(RE_INTL_SYMBOL, " $1 ");
  return pySplit(s);
}

// --- char: `" ".join(line)` then split, i.e. every code point that is not Python whitespace ---
function tokenizeChar(line: string): string[] {
  const out: string[] = [];
  const n = line.length;
  for (let i = 0; i < n; i++) {
    const c = line.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = line.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out.push(line.slice(i, i + 2));
        i++;
        continue;
      }
    }
    if (!isPyWhitespace(c)) out.push(line[i] as string);
  }
  return out;
}

/**
 * The tokens sacrebleu's BLEU counts for `text`: `BLEU._preprocess_segment(text).split()`, i.e. optional
 * lowercasing, Python `rstrip()`, the named tokenizer, then a Python whitespace split.
 */
export function tokenize(text: string, name: TokenizerName = "13a", options: TokenizeOptions = {}): string[] {
  const line = pyRstrip(options.lowercase ? text.toLowerCase() : text);
  switch (name) {
    case "13a":
      return tokenize13a(line);
    case "intl":
      return tokenizeIntl(line);
    case "char":
      return tokenizeChar(line);
    case "none":
      return pySplit(line);
    default:
      throw new Error(`Unknown tokenizer ${JSON.stringify(name)}; expected one of ${TOKENIZER_NAMES.join(", ")}`);
  }
}

/** What sacrebleu's tokenizer call returns as one string (tokens joined by single spaces). */
export function tokenizeToString(text: string, name: TokenizerName = "13a", options: TokenizeOptions = {}): string {
  return tokenize(text, name, options).join(" ");
}

// --- n-gram ids shared by BLEU and chrF ---

/**
 * Interns pairs of int32 to dense ids 0..size-1 with an open-addressing table whose slots carry a generation
 * stamp, so `reset` costs nothing and no n-gram string or key object is ever built.
 */
class PairInterner {
  private keysA = new Int32Array(0);
  private keysB = new Int32Array(0);
  private vals = new Int32Array(0);
  private stamps = new Int32Array(0);
  private mask = 0;
  private gen = 0;
  size = 0;

  /** Prepares for at most `maxItems` distinct pairs. */
  reset(maxItems: number): void {
    let cap = 16;
    while (cap < 2 * maxItems) cap *= 2;
    if (this.stamps.length < cap) {
      this.keysA = new Int32Array(cap);
      this.keysB = new Int32Array(cap);
      this.vals = new Int32Array(cap);
      this.stamps = new Int32Array(cap);
      this.gen = 0;
    }
    if (this.gen >= 0x7ffffffe) {
      this.stamps.fill(0);
      this.gen = 0;
    }
    this.gen++;
    this.mask = cap - 1;
    this.size = 0;
  }

  intern(a: number, b: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77);
    h ^= h >>> 15;
    let i = h & this.mask;
    const gen = this.gen;
    for (;;) {
      if (this.stamps[i] !== gen) {
        this.stamps[i] = gen;
        this.keysA[i] = a;
        this.keysB[i] = b;
        this.vals[i] = this.size;
        return this.size++;
      }
      if (this.keysA[i] === a && this.keysB[i] === b) return this.vals[i] as number;
      i = (i + 1) & this.mask;
    }
  }
}

/**
 * Several symbol sequences (a hypothesis and its references) laid end to end, with n-gram ids advanced in
 * place from order n to n+1: the id of the n-gram at i is the interned pair (id of the (n-1)-gram at i,
 * symbol at i+n-1), so equal n-grams share an id across sequences. Buffers are reused between segments.
 */
export class NgramIndex {
  private base = new Int32Array(1024);
  /** Ids of the current order's n-grams; sequence s starts at `start(s)` and has `length(s)` of them. */
  cur = new Int32Array(1024);
  private starts: number[] = [];
  private lens: number[] = [];
  private total = 0;
  private readonly pairs = new PairInterner();
  /**
   * Word -> id, shared by every segment and instance so that words seen before cost one lookup and no
   * rehashing; emptied between segments once it holds `VOCAB_LIMIT` words, which bounds its memory.
   */
  private static readonly vocab = new Map<string, number>();
  private static readonly VOCAB_LIMIT = 1 << 20;
  /** The current n-gram order. */
  order = 1;
  /** Number of distinct ids at the current order (ids are 0..size-1). */
  size = 0;

  /** Starts a new segment. */
  clear(): void {
    this.starts.length = 0;
    this.lens.length = 0;
    this.total = 0;
    this.order = 1;
    this.size = 0;
    if (NgramIndex.vocab.size > NgramIndex.VOCAB_LIMIT) NgramIndex.vocab.clear();
  }

  get count(): number {
    return this.starts.length;
  }
  start(s: number): number {
    return this.starts[s] as number;
  }
  length(s: number): number {
    return Math.max(0, (this.lens[s] as number) - this.order + 1);
  }

  private grow(extra: number): void {
    const need = this.total + extra;
    if (this.base.length >= need) return;
    let cap = this.base.length * 2;
    while (cap < need) cap *= 2;
    const b = new Int32Array(cap);
    b.set(this.base.subarray(0, this.total));
    this.base = b;
    const c = new Int32Array(cap);
    c.set(this.cur.subarray(0, this.total));
    this.cur = c;
  }

  /** Adds a sequence of words. Call `ready()` after the last sequence. */
  addWords(words: readonly string[]): void {
    this.grow(words.length);
    const off = this.total;
    const vocab = NgramIndex.vocab;
    for (let i = 0; i < words.length; i++) {
      const w = words[i] as string;
      let id = vocab.get(w);
      if (id === undefined) {
        id = vocab.size;
        vocab.set(w, id);
      }
      this.base[off + i] = id;
    }
    this.push(off, words.length);
  }

  /** Adds the code points of `s`, dropping Python whitespace unless `keepWhitespace`. Call `ready()` after the last sequence. */
  addChars(s: string, keepWhitespace: boolean): void {
    this.grow(s.length);
    const off = this.total;
    let k = off;
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          this.base[k++] = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
          i++;
          continue;
        }
      }
      if (keepWhitespace || !isPyWhitespace(c)) this.base[k++] = c;
    }
    this.push(off, k - off);
  }

  /** Turns the symbols added (word ids or code points; not both in one segment) into dense ids 0..size-1. */
  ready(): void {
    const { base, cur, pairs, total } = this;
    pairs.reset(total);
    for (let i = 0; i < total; i++) {
      const id = pairs.intern(base[i] as number, -1);
      base[i] = id;
      cur[i] = id;
    }
    this.size = this.pairs.size;
  }

  private push(off: number, len: number): void {
    this.starts.push(off);
    this.lens.push(len);
    this.total = off + len;
  }

  /** Moves to the next order (n-grams one symbol longer). */
  next(): void {
    this.order++;
    const n = this.order;
    this.pairs.reset(this.total);
    const { base, cur, pairs } = this;
    for (let s = 0; s < this.starts.length; s++) {
      const st = this.starts[s] as number;
      const len = (this.lens[s] as number) - n + 1;
      for (let i = 0; i < len; i++) cur[st + i] = pairs.intern(cur[st + i] as number, base[st + i + n - 1] as number);
    }
    this.size = pairs.size;
  }
}
