/**
 * chrF and chrF++ exactly as sacrebleu 2.6.0 computes them (`sacrebleu.metrics.chrf.CHRF`): character
 * n-grams of orders 1..charOrder over the text with (Python) whitespace removed, word n-grams of orders
 * 1..wordOrder over words with leading/trailing ASCII punctuation split off (`_remove_punctuation`), the
 * reference with the best F-score per segment, statistics summed over the corpus. Scores are on 0-100.
 * Characters are Unicode code points, as in Python. Pure: no I/O, no dependencies.
 */
import { NgramIndex, pySplit } from "./tokenizers";

export interface ChrfOptions {
  /** Character n-gram order; default 6. */
  charOrder?: number;
  /** Word n-gram order; default 0 (chrF). 2 gives chrF++. */
  wordOrder?: number;
  /** Recall weight; default 2. */
  beta?: number;
  lowercase?: boolean;
  /** Keep whitespace inside character n-grams; default false. */
  whitespace?: boolean;
  /** chrF++.py-style epsilon smoothing; default false (sacrebleu's effective-order averaging). */
  epsSmoothing?: boolean;
}

/** Same fields as sacrebleu's CHRFScore. */
export interface ChrfScore {
  score: number;
  char_order: number;
  word_order: number;
  beta: number;
}

interface Resolved {
  charOrder: number;
  wordOrder: number;
  beta: number;
  lowercase: boolean;
  whitespace: boolean;
  epsSmoothing: boolean;
}

function resolve(o: ChrfOptions): Resolved {
  const r: Resolved = {
    charOrder: o.charOrder ?? 6,
    wordOrder: o.wordOrder ?? 0,
    beta: o.beta ?? 2,
    lowercase: o.lowercase ?? false,
    whitespace: o.whitespace ?? false,
    epsSmoothing: o.epsSmoothing ?? false,
  };
  if (!Number.isInteger(r.charOrder) || r.charOrder < 0) throw new Error("chrF: char_order must be an integer >= 0");
  if (!Number.isInteger(r.wordOrder) || r.wordOrder < 0) throw new Error("chrF: word_order must be an integer >= 0");
  if (r.charOrder + r.wordOrder === 0) throw new Error("chrF: char_order + word_order must be at least 1");
  if (!Number.isFinite(r.beta) || r.beta < 0) throw new Error("chrF: beta must be a finite number >= 0");
  return r;
}

const EPS = 1e-16;

/**
 * sacrebleu `CHRF._compute_f_score`: `stats` holds [hyp, ref, match] per order (char orders, then word
 * orders). Returns 0-100.
 */
function fScore(stats: ArrayLike<number>, r: Resolved): number {
  const order = r.charOrder + r.wordOrder;
  const factor = r.beta ** 2;
  let score = 0.0;
  let effectiveOrder = 0;
  let avgPrec = 0.0;
  let avgRec = 0.0;
  for (let i = 0; i < order; i++) {
    const nHyp = stats[3 * i] as number;
    const nRef = stats[3 * i + 1] as number;
    const nMatch = stats[3 * i + 2] as number;
    const prec = nHyp > 0 ? nMatch / nHyp : EPS;
    const rec = nRef > 0 ? nMatch / nRef : EPS;
    const denom = factor * prec + rec;
    score += denom > 0 ? ((1 + factor) * prec * rec) / denom : EPS;
    if (nHyp > 0 && nRef > 0) {
      avgPrec += prec;
      avgRec += rec;
      effectiveOrder++;
    }
  }
  if (r.epsSmoothing) return (100 * score) / order;
  if (effectiveOrder === 0) {
    avgPrec = 0.0;
    avgRec = 0.0;
  } else {
    avgPrec /= effectiveOrder;
    avgRec /= effectiveOrder;
  }
  if (avgPrec + avgRec === 0) return 0.0;
  return 100 * (((1 + factor) * avgPrec * avgRec) / (factor * avgPrec + avgRec));
}

/** chrF from summed statistics (3 numbers [hyp, ref, match] per order, char orders first). */
export function chrfFromStats(stats: readonly number[], options: ChrfOptions = {}): ChrfScore {
  const r = resolve(options);
  const need = 3 * (r.charOrder + r.wordOrder);
  if (stats.length !== need) throw new Error(`chrF: expected ${need} statistics, got ${stats.length}`);
  return { score: fScore(stats, r), char_order: r.charOrder, word_order: r.wordOrder, beta: r.beta };
}

// sacrebleu CHRF._PUNCTS = string.punctuation (ASCII).
const PUNCT = new Uint8Array(128);
for (const ch of "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") PUNCT[ch.charCodeAt(0)] = 1;
const isPunct = (c: number): boolean => c < 128 && PUNCT[c] === 1;

/**
 * sacrebleu `CHRF._remove_punctuation`: split words on whitespace; a word longer than one character loses a
 * trailing ASCII punctuation mark, else a leading one, as a separate token (`(hi)` gives `(hi` and `)`).
 * The checks only look at ASCII units, so UTF-16 indexing gives Python's code point result.
 */
export function removePunctuation(sent: string): string[] {
  const out: string[] = [];
  for (const w of pySplit(sent)) {
    const cps = w.length === 2 && w.charCodeAt(0) >= 0xd800 && w.charCodeAt(0) <= 0xdbff ? 1 : w.length;
    if (cps === 1) {
      out.push(w);
    } else if (isPunct(w.charCodeAt(w.length - 1))) {
      out.push(w.slice(0, -1), w.slice(-1));
    } else if (isPunct(w.charCodeAt(0))) {
      out.push(w.slice(0, 1), w.slice(1));
    } else {
      out.push(w);
    }
  }
  return out;
}

const index = new NgramIndex();

let scratchHyp = new Int32Array(1024);
let scratchRef = new Int32Array(1024);
function ensureScratch(size: number): void {
  if (scratchHyp.length < size) {
    const len = Math.max(size, scratchHyp.length * 2);
    scratchHyp = new Int32Array(len);
    scratchRef = new Int32Array(len);
  }
}

/** Fills stats[ref][3 * (offset + k) ...] for orders k = 0..orders-1 of `index` (sequence 0 is the hypothesis). */
function matchStats(orders: number, offset: number, stats: Float64Array[]): void {
  for (let k = 0; k < orders; k++) {
    if (k > 0) index.next();
    ensureScratch(index.size);
    const hc = scratchHyp;
    const rc = scratchRef;
    const cur = index.cur;
    const h0 = index.start(0);
    const hLen = index.length(0);
    const hEnd = h0 + hLen;
    for (let i = h0; i < hEnd; i++) {
      const id = cur[i] as number;
      hc[id] = (hc[id] as number) + 1;
    }
    for (let s = 1; s < index.count; s++) {
      const st = index.start(s);
      const rLen = index.length(s);
      const end = st + rLen;
      for (let i = st; i < end; i++) {
        const id = cur[i] as number;
        rc[id] = (rc[id] as number) + 1;
      }
      let match = 0;
      for (let i = st; i < end; i++) {
        const id = cur[i] as number;
        const c = rc[id] as number;
        if (c > 0) {
          match += Math.min(c, hc[id] as number);
          rc[id] = 0;
        }
      }
      const st3 = stats[s - 1] as Float64Array;
      const j = 3 * (offset + k);
      // No hypothesis count when the reference has no n-gram of this order (sacrebleu).
      st3[j] = rLen > 0 ? hLen : 0;
      st3[j + 1] = rLen;
      st3[j + 2] = match;
    }
    for (let i = h0; i < hEnd; i++) hc[cur[i] as number] = 0;
  }
}

/** The [hyp, ref, match] statistics of one segment against its best reference (first on a tie). */
function segmentStats(hyp: string, refs: readonly string[], r: Resolved): Float64Array {
  const h = r.lowercase ? hyp.toLowerCase() : hyp;
  const rs = r.lowercase ? refs.map((x) => x.toLowerCase()) : refs;
  const order = r.charOrder + r.wordOrder;
  const stats = rs.map(() => new Float64Array(3 * order));
  if (r.charOrder > 0) {
    index.clear();
    index.addChars(h, r.whitespace);
    for (const x of rs) index.addChars(x, r.whitespace);
    index.ready();
    matchStats(r.charOrder, 0, stats);
  }
  if (r.wordOrder > 0) {
    index.clear();
    index.addWords(removePunctuation(h));
    for (const x of rs) index.addWords(removePunctuation(x));
    index.ready();
    matchStats(r.wordOrder, r.charOrder, stats);
  }
  let best = stats[0] as Float64Array;
  let bestF = -1.0;
  for (const st of stats) {
    const f = fScore(st, r);
    if (f > bestF) {
      bestF = f;
      best = st;
    }
  }
  return best;
}

function definedRefs(refs: readonly (string | null | undefined)[], where: string): string[] {
  const out: string[] = [];
  for (const x of refs) {
    if (x === null || x === undefined) continue;
    if (typeof x !== "string") throw new Error(`chrF: ${where}: each reference must be a string`);
    out.push(x);
  }
  if (out.length === 0) throw new Error(`chrF: ${where}: no reference`);
  return out;
}

/** Sentence chrF (sacrebleu `sentence_chrf`); `wordOrder: 2` gives chrF++. */
export function sentenceChrf(hyp: string, refs: readonly string[], options: ChrfOptions = {}): ChrfScore {
  const r = resolve(options);
  if (typeof hyp !== "string") throw new Error("chrF: the hypothesis must be a string");
  if (typeof refs === "string" || !Array.isArray(refs)) throw new Error("chrF: refs must be an array of strings");
  const st = segmentStats(hyp, definedRefs(refs, "sentence"), r);
  return { score: fScore(st, r), char_order: r.charOrder, word_order: r.wordOrder, beta: r.beta };
}

/**
 * Corpus chrF (sacrebleu `corpus_chrf`): `refStreams[j][i]` is the j-th reference of hypothesis i
 * (null/undefined entries skipped). Per segment the best-F reference's statistics are summed.
 */
export function corpusChrf(
  hyps: readonly string[],
  refStreams: readonly (readonly (string | null | undefined)[])[],
  options: ChrfOptions = {},
): ChrfScore {
  const r = resolve(options);
  if (hyps.length === 0) throw new Error("chrF: no hypotheses");
  if (refStreams.length === 0) throw new Error("chrF: no reference streams");
  for (const [j, stream] of refStreams.entries()) {
    if (stream.length !== hyps.length) {
      throw new Error(`chrF: reference stream ${j} has ${stream.length} segments but there are ${hyps.length} hypotheses`);
    }
  }
  const total = new Float64Array(3 * (r.charOrder + r.wordOrder));
  const segRefs: (string | null | undefined)[] = new Array(refStreams.length);
  for (let i = 0; i < hyps.length; i++) {
    const hyp = hyps[i];
    if (typeof hyp !== "string") throw new Error(`chrF: hypothesis ${i} must be a string`);
    for (let j = 0; j < refStreams.length; j++) segRefs[j] = (refStreams[j] as readonly (string | null | undefined)[])[i];
    const st = segmentStats(hyp, definedRefs(segRefs, `segment ${i}`), r);
    for (let k = 0; k < total.length; k++) total[k] = (total[k] as number) + (st[k] as number);
  }
  return { score: fScore(total, r), char_order: r.charOrder, word_order: r.wordOrder, beta: r.beta };
}

const SACREBLEU_CHRF_KEYS: Record<string, (o: ChrfOptions, v: unknown) => void> = {
  char_order: (o, v) => {
    o.charOrder = num("char_order", v);
  },
  word_order: (o, v) => {
    o.wordOrder = num("word_order", v);
  },
  beta: (o, v) => {
    o.beta = num("beta", v);
  },
  lowercase: (o, v) => {
    o.lowercase = Boolean(v);
  },
  whitespace: (o, v) => {
    o.whitespace = Boolean(v);
  },
  eps_smoothing: (o, v) => {
    o.epsSmoothing = Boolean(v);
  },
};

function num(key: string, v: unknown): number {
  if (typeof v !== "number") throw new Error(`chrF option ${key} must be a number`);
  return v;
}

/**
 * Maps sacrebleu's keyword names (`char_order`, `word_order`, `beta`, `lowercase`, `whitespace`,
 * `eps_smoothing`) to `ChrfOptions`; throws on any other key, naming it.
 */
export function chrfOptionsFromSacrebleu(obj: Readonly<Record<string, unknown>>): ChrfOptions {
  const o: ChrfOptions = {};
  for (const [key, value] of Object.entries(obj)) {
    const set = Object.hasOwn(SACREBLEU_CHRF_KEYS, key) ? SACREBLEU_CHRF_KEYS[key] : undefined;
    if (!set) throw new Error(`Unknown chrF option "${key}"; allowed: ${Object.keys(SACREBLEU_CHRF_KEYS).join(", ")}`);
    set(o, value);
  }
  resolve(o);
  return o;
}

/** Corpus chrF one segment at a time, in flat memory: the same sums `corpusChrf` makes. */
export class ChrfCorpus {
  private readonly r: ReturnType<typeof resolve>;
  private readonly total: Float64Array;
  segments = 0;
  constructor(options: ChrfOptions = {}) {
    this.r = resolve(options);
    this.total = new Float64Array(3 * (this.r.charOrder + this.r.wordOrder));
  }
  add(hyp: string, refs: readonly string[]): void {
    const st = segmentStats(hyp, definedRefs(refs, `segment ${this.segments}`), this.r);
    for (let k = 0; k < this.total.length; k++) this.total[k] = (this.total[k] as number) + (st[k] as number);
    this.segments++;
  }
  score(): ChrfScore {
    if (!this.segments) throw new Error("chrF: no hypotheses");
    return { score: fScore(this.total, this.r), char_order: this.r.charOrder, word_order: this.r.wordOrder, beta: this.r.beta };
  }
}
