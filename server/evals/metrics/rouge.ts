/**
 * ROUGE exactly as Google rouge-score 0.1.2 (`rouge_scorer.py`, `tokenize.py`, `scoring.py`) with
 * nltk 3.8.1's Porter stemmer. Pure: no I/O, no dependencies. Scores are fractions in [0, 1].
 *
 * Not supported: `split_summaries=True` (rougeLsum sentence splitting with nltk's punkt model);
 * rougeLsum here always splits on "\n", rouge-score's default.
 */
import { porterStemCached } from "./porter";

export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

/** rouge1..rouge9, rougeL (LCS) and rougeLsum (summary-level union LCS over "\n"-separated sentences). */
export type RougeType = `rouge${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9}` | "rougeL" | "rougeLsum";

export interface RougeOptions {
  rougeTypes: readonly string[];
  useStemmer?: boolean;
}

export interface RougeTokenizeOptions {
  useStemmer?: boolean;
}

export const DEFAULT_ROUGE_TYPES: readonly RougeType[] = ["rouge1", "rouge2", "rougeL", "rougeLsum"];

const NON_ALPHANUM = /[^a-z0-9]+/g;
const ZERO: RougeScore = Object.freeze({ precision: 0, recall: 0, fmeasure: 0 });

/**
 * rouge-score `tokenize`: Unicode lowercase (as Python's `str.lower`), every run outside [a-z0-9]
 * becomes a space (so it is ASCII-only: `café` -> `caf`), split, and with the stemmer stem tokens
 * longer than 3 characters. Stems are memoized per process.
 */
export function rougeTokenize(text: string, options: RougeTokenizeOptions = {}): string[] {
  const parts = text.toLowerCase().replace(NON_ALPHANUM, " ").split(" ");
  const tokens: string[] = [];
  for (const part of parts) {
    if (part === "") continue;
    // Stems of [a-z0-9]+ words stay non-empty [a-z0-9]+, so rouge-score's final validity filter keeps them all.
    tokens.push(options.useStemmer && part.length > 3 ? porterStemCached(part) : part);
  }
  return tokens;
}

/** scoring.fmeasure: harmonic mean, 0 when both are 0. */
function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

/** The n of a rougeN type, or null for rougeL / rougeLsum; throws on anything rouge-score rejects. */
function ngramOrder(type: string): number | null {
  if (type === "rougeL" || type === "rougeLsum") return null;
  const m = /^rouge([0-9])$/.exec(type);
  if (!m) throw new Error(`Invalid rouge type: ${JSON.stringify(type)} (expected rouge1..rouge9, rougeL or rougeLsum)`);
  const n = Number(m[1]);
  if (n <= 0) throw new Error(`rougen requires positive n: ${JSON.stringify(type)}`);
  return n;
}

/** Throws an Error naming the first invalid rouge type. */
export function validateRougeTypes(types: readonly string[]): asserts types is readonly RougeType[] {
  for (const t of types) ngramOrder(t);
}

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    // Tokens are [a-z0-9]+, so a space joins n-grams without ambiguity.
    const key = n === 1 ? tokens[i]! : tokens.slice(i, i + n).join(" ");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** `_score_ngrams`: multiset intersection; precision and recall divide by max(count, 1). */
function scoreNgrams(target: readonly string[], prediction: readonly string[], n: number): RougeScore {
  const t = ngramCounts(target, n);
  const p = ngramCounts(prediction, n);
  let overlap = 0;
  for (const [gram, count] of t) overlap += Math.min(count, p.get(gram) ?? 0);
  const targetTotal = Math.max(0, target.length - n + 1);
  const predTotal = Math.max(0, prediction.length - n + 1);
  const precision = overlap / Math.max(predTotal, 1);
  const recall = overlap / Math.max(targetTotal, 1);
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** Maps tokens to small integers so the LCS loops compare numbers, not strings. */
function intern(seqs: readonly (readonly string[])[]): Int32Array[] {
  const ids = new Map<string, number>();
  return seqs.map((seq) => {
    const out = new Int32Array(seq.length);
    for (let i = 0; i < seq.length; i++) {
      const tok = seq[i]!;
      let id = ids.get(tok);
      if (id === undefined) {
        id = ids.size;
        ids.set(tok, id);
      }
      out[i] = id;
    }
    return out;
  });
}

/** LCS length in O(min) memory (rougeL needs only the length). */
function lcsLength(a: Int32Array, b: Int32Array): number {
  const [rows, cols] = a.length >= b.length ? [a, b] : [b, a];
  let prev = new Int32Array(cols.length + 1);
  let cur = new Int32Array(cols.length + 1);
  for (let i = 1; i <= rows.length; i++) {
    const x = rows[i - 1]!;
    for (let j = 1; j <= cols.length; j++) {
      cur[j] = x === cols[j - 1]! ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[cols.length]!;
}

/** `_score_lcs`: 0/0/0 when either side has no tokens. */
function scoreLcs(target: readonly string[], prediction: readonly string[]): RougeScore {
  if (target.length === 0 || prediction.length === 0) return { ...ZERO };
  const [t, p] = intern([target, prediction]) as [Int32Array, Int32Array];
  const lcs = lcsLength(t, p);
  const precision = lcs / prediction.length;
  const recall = lcs / target.length;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/**
 * `lcs_ind`: indices into `ref` of one LCS, as `_backtrack_norec` reads them off the full `_lcs_table`:
 * take a match; else step left (j - 1) only when t[i][j-1] > t[i-1][j], otherwise up. That comparison
 * is all the backtrack needs from the table, so it is kept as one bit per cell (rows x ceil(cols / 8) bytes)
 * while the lengths themselves live in two rolling rows.
 */
function lcsIndices(ref: Int32Array, can: Int32Array): number[] {
  const rows = ref.length;
  const cols = can.length;
  if (rows === 0 || cols === 0) return [];
  const rowBytes = (cols + 7) >> 3;
  const left = new Uint8Array(rows * rowBytes);
  let prev = new Int32Array(cols + 1);
  let cur = new Int32Array(cols + 1);
  for (let i = 1; i <= rows; i++) {
    const x = ref[i - 1]!;
    const base = (i - 1) * rowBytes;
    for (let j = 1; j <= cols; j++) {
      if (x === can[j - 1]!) {
        cur[j] = prev[j - 1]! + 1;
      } else {
        const l = cur[j - 1]!;
        const u = prev[j]!;
        if (l > u) {
          left[base + ((j - 1) >> 3)]! |= 1 << ((j - 1) & 7);
          cur[j] = l;
        } else {
          cur[j] = u;
        }
      }
    }
    [prev, cur] = [cur, prev];
  }
  const out: number[] = [];
  let i = rows;
  let j = cols;
  while (i > 0 && j > 0) {
    if (ref[i - 1] === can[j - 1]) {
      out.push(i - 1);
      i--;
      j--;
    } else {
      if ((left[(i - 1) * rowBytes + ((j - 1) >> 3)]! >> ((j - 1) & 7)) & 1) j--;
      else i--;
    }
  }
  return out.reverse();
}

/**
 * `_summary_level_lcs`: for each reference sentence, the sorted union of its LCS indices against every
 * candidate sentence; each hit is counted only while both sides still have that token left
 * (token counts over the whole summary), as ROUGE 1.5.5 does.
 */
function summaryLevelLcs(refSents: readonly (readonly string[])[], canSents: readonly (readonly string[])[]): RougeScore {
  if (refSents.length === 0 || canSents.length === 0) return { ...ZERO };
  const m = refSents.reduce((s, x) => s + x.length, 0);
  const n = canSents.reduce((s, x) => s + x.length, 0);
  if (m === 0 || n === 0) return { ...ZERO };

  const all = intern([...refSents, ...canSents]);
  const refs = all.slice(0, refSents.length);
  const cans = all.slice(refSents.length);
  const countR = new Map<number, number>();
  const countC = new Map<number, number>();
  for (const s of refs) for (const id of s) countR.set(id, (countR.get(id) ?? 0) + 1);
  for (const s of cans) for (const id of s) countC.set(id, (countC.get(id) ?? 0) + 1);

  let hits = 0;
  for (const r of refs) {
    const union = new Set<number>();
    for (const c of cans) for (const idx of lcsIndices(r, c)) union.add(idx);
    const sorted = [...union].sort((a, b) => a - b);
    for (const idx of sorted) {
      const tok = r[idx]!;
      const cc = countC.get(tok) ?? 0;
      const cr = countR.get(tok) ?? 0;
      if (cc > 0 && cr > 0) {
        hits++;
        countC.set(tok, cc - 1);
        countR.set(tok, cr - 1);
      }
    }
  }
  const recall = hits / m;
  const precision = hits / n;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** rougeLsum sentences: split on "\n" only, drop empty lines (a line of spaces stays, with no tokens). */
function sentences(text: string, useStemmer: boolean): string[][] {
  return text
    .split("\n")
    .filter((s) => s.length > 0)
    .map((s) => rougeTokenize(s, { useStemmer }));
}

/**
 * rouge-score `RougeScorer(rouge_types, use_stemmer).score(target, prediction)`.
 * Throws on an invalid rouge type (before scoring anything).
 */
export function rougeScore(target: string, prediction: string, options: RougeOptions): Record<string, RougeScore> {
  const { rougeTypes, useStemmer = false } = options;
  validateRougeTypes(rougeTypes);
  let tTokens: string[] | undefined;
  let pTokens: string[] | undefined;
  const tokens = (): [string[], string[]] => {
    tTokens ??= rougeTokenize(target, { useStemmer });
    pTokens ??= rougeTokenize(prediction, { useStemmer });
    return [tTokens, pTokens];
  };
  const result: Record<string, RougeScore> = {};
  for (const type of rougeTypes) {
    if (type === "rougeLsum") {
      result[type] = summaryLevelLcs(sentences(target, useStemmer), sentences(prediction, useStemmer));
    } else if (type === "rougeL") {
      result[type] = scoreLcs(...tokens());
    } else {
      result[type] = scoreNgrams(...tokens(), ngramOrder(type)!);
    }
  }
  return result;
}

/**
 * rouge-score `score_multi`: per type, the score against the target with the highest F-measure
 * (the first such target on a tie, as numpy's argmax). Throws when `targets` is empty.
 */
export function rougeScoreMulti(targets: readonly string[], prediction: string, options: RougeOptions): Record<string, RougeScore> {
  if (targets.length === 0) throw new Error("rougeScoreMulti needs at least one target");
  validateRougeTypes(options.rougeTypes);
  const all = targets.map((t) => rougeScore(t, prediction, options));
  const best: Record<string, RougeScore> = {};
  for (const type of options.rougeTypes) {
    let top = all[0]![type]!;
    for (const s of all) if (s[type]!.fmeasure > top.fmeasure) top = s[type]!;
    best[type] = top;
  }
  return best;
}

const SNAKE_OPTIONS = new Set(["rouge_types", "use_stemmer"]);

/**
 * Maps the snake_case options of Keel's scoring contract (`rouge_types`, `use_stemmer`) to
 * `RougeOptions`. Unknown option names, wrong types and invalid rouge types throw an Error naming
 * the option. Defaults: rouge1, rouge2, rougeL, rougeLsum; no stemmer.
 */
export function rougeOptionsFromSnake(raw: unknown): RougeOptions {
  if (raw === undefined || raw === null) return { rougeTypes: [...DEFAULT_ROUGE_TYPES], useStemmer: false };
  if (typeof raw !== "object" || Array.isArray(raw)) throw new Error("rouge options must be an object");
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!SNAKE_OPTIONS.has(key)) throw new Error(`Unknown rouge option "${key}" (known: rouge_types, use_stemmer)`);
  }
  let rougeTypes: string[] = [...DEFAULT_ROUGE_TYPES];
  if (obj.rouge_types !== undefined) {
    const t = obj.rouge_types;
    if (!Array.isArray(t) || t.length === 0 || !t.every((x) => typeof x === "string")) {
      throw new Error('rouge option "rouge_types" must be a non-empty list of strings');
    }
    try {
      validateRougeTypes(t);
    } catch (err) {
      throw new Error(`rouge option "rouge_types": ${(err as Error).message}`);
    }
    rougeTypes = [...t];
  }
  let useStemmer = false;
  if (obj.use_stemmer !== undefined) {
    if (typeof obj.use_stemmer !== "boolean") throw new Error('rouge option "use_stemmer" must be a boolean');
    useStemmer = obj.use_stemmer;
  }
  return { rougeTypes, useStemmer };
}
