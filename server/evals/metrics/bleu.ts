/**
 * BLEU exactly as sacrebleu 2.6.0 computes it (`sacrebleu.metrics.bleu.BLEU`): n-gram counts clipped by the
 * maximum count over references, closest reference length (shorter on a tie), brevity penalty, smoothing
 * `exp` / `floor` / `add-k` / `none`, optional effective order. Scores and precisions are on 0-100.
 * Pure: no I/O, no dependencies.
 */
import { NgramIndex, TOKENIZER_NAMES, type TokenizerName, tokenize } from "./tokenizers";

export type SmoothMethod = "exp" | "floor" | "add-k" | "none";
export const SMOOTH_METHODS: readonly SmoothMethod[] = ["exp", "floor", "add-k", "none"];

/** sacrebleu BLEU.SMOOTH_DEFAULTS: the value used when `smoothValue` is null/undefined. */
const SMOOTH_DEFAULTS: Record<SmoothMethod, number | null> = { none: null, floor: 0.1, "add-k": 1, exp: null };

export interface BleuOptions {
  /** Default `13a`. */
  tokenize?: TokenizerName;
  lowercase?: boolean;
  /** Default `exp` (sentence and corpus level); `bleuFromStats` defaults to `none` like sacrebleu's static. */
  smoothMethod?: SmoothMethod;
  /** For `floor` (default 0.1) and `add-k` (default 1); null/undefined means the default. */
  smoothValue?: number | null;
  /** Default false for `corpusBleu` / `bleuFromStats`, true for `sentenceBleu` (as in sacrebleu). */
  effectiveOrder?: boolean;
  /** Default 4. */
  maxNgramOrder?: number;
}

/** Same fields as sacrebleu's BLEUScore (snake_case lengths, as in its JSON output). */
export interface BleuScore {
  score: number;
  counts: number[];
  totals: number[];
  precisions: number[];
  bp: number;
  sys_len: number;
  ref_len: number;
}

export interface BleuStats {
  /** Matching (clipped) n-gram counts per order 1..N. */
  correct: readonly number[];
  /** Hypothesis n-gram counts per order 1..N. */
  total: readonly number[];
  sysLen: number;
  refLen: number;
}

interface Resolved {
  tokenize: TokenizerName;
  lowercase: boolean;
  smoothMethod: SmoothMethod;
  smoothValue: number | null;
  effectiveOrder: boolean;
  maxNgramOrder: number;
}

function resolve(o: BleuOptions, defaults: { effectiveOrder: boolean; smoothMethod: SmoothMethod }): Resolved {
  const tok = o.tokenize ?? "13a";
  if (!TOKENIZER_NAMES.includes(tok))
    throw new Error(`BLEU: unknown tokenize ${JSON.stringify(tok)}; expected ${TOKENIZER_NAMES.join(", ")}`);
  const smoothMethod = o.smoothMethod ?? defaults.smoothMethod;
  if (!SMOOTH_METHODS.includes(smoothMethod)) {
    throw new Error(`BLEU: unknown smooth_method ${JSON.stringify(smoothMethod)}; expected ${SMOOTH_METHODS.join(", ")}`);
  }
  const maxNgramOrder = o.maxNgramOrder ?? 4;
  if (!Number.isInteger(maxNgramOrder) || maxNgramOrder < 1) throw new Error(`BLEU: max_ngram_order must be an integer >= 1`);
  const sv = o.smoothValue;
  if (sv !== null && sv !== undefined && !Number.isFinite(sv)) throw new Error("BLEU: smooth_value must be a finite number");
  return {
    tokenize: tok,
    lowercase: o.lowercase ?? false,
    smoothMethod,
    smoothValue: sv ?? null,
    effectiveOrder: o.effectiveOrder ?? defaults.effectiveOrder,
    maxNgramOrder,
  };
}

/** Python `my_log`: log(0) is -9999999999 so that an unsmoothed zero precision drives the score to 0. */
function myLog(x: number): number {
  return x === 0 ? -9999999999 : Math.log(x);
}

function computeBleu(correctIn: readonly number[], totalIn: readonly number[], sysLen: number, refLen: number, r: Resolved): BleuScore {
  const order = r.maxNgramOrder;
  const correct = correctIn.slice();
  const total = totalIn.slice();
  const smoothValue = r.smoothValue ?? SMOOTH_DEFAULTS[r.smoothMethod] ?? 0;

  let bp = 1.0;
  if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0.0;

  const precisions = new Array<number>(order).fill(0.0);
  // Early stop when nothing matches, whatever the smoothing (sacrebleu #141).
  if (!correct.some((c) => c !== 0))
    return { score: 0.0, counts: correct, totals: total, precisions, bp, sys_len: sysLen, ref_len: refLen };

  let smoothMteval = 1.0;
  let effOrder = order;
  for (let n = 1; n <= order; n++) {
    const k = n - 1;
    if (r.smoothMethod === "add-k" && n > 1) {
      correct[k] = (correct[k] ?? 0) + smoothValue;
      total[k] = (total[k] ?? 0) + smoothValue;
    }
    const t = total[k] ?? 0;
    const c = correct[k] ?? 0;
    if (t === 0) break;
    if (r.effectiveOrder) effOrder = n;
    if (c === 0) {
      if (r.smoothMethod === "exp") {
        smoothMteval *= 2;
        precisions[k] = 100.0 / (smoothMteval * t);
      } else if (r.smoothMethod === "floor") {
        precisions[k] = (100.0 * smoothValue) / t;
      }
    } else {
      precisions[k] = (100.0 * c) / t;
    }
  }
  let sum = 0;
  for (let k = 0; k < effOrder; k++) sum += myLog(precisions[k] as number);
  const score = bp * Math.exp(sum / effOrder);
  return { score, counts: correct, totals: total, precisions, bp, sys_len: sysLen, ref_len: refLen };
}

/**
 * BLEU from sufficient statistics (sacrebleu's static `BLEU.compute_bleu`): smoothing defaults to `none`,
 * effective order to false, the n-gram order to the length of `correct`.
 */
export function bleuFromStats(stats: BleuStats, options: BleuOptions = {}): BleuScore {
  const r = resolve({ maxNgramOrder: stats.correct.length, ...options }, { effectiveOrder: false, smoothMethod: "none" });
  if (stats.correct.length < r.maxNgramOrder || stats.total.length < r.maxNgramOrder) {
    throw new Error(`BLEU: correct and total need ${r.maxNgramOrder} entries (max_ngram_order)`);
  }
  return computeBleu(stats.correct, stats.total, stats.sysLen, stats.refLen, r);
}

// Scratch counters reused across segments (grown on demand, always left zeroed).
let scratchA = new Int32Array(1024);
let scratchB = new Int32Array(1024);
function ensureScratch(size: number): void {
  if (scratchA.length < size) {
    const len = Math.max(size, scratchA.length * 2);
    scratchA = new Int32Array(len);
    scratchB = new Int32Array(len);
  }
}

const index = new NgramIndex();

/** Per-segment statistics: [sysLen, refLen, correct_1..N, total_1..N] added into `acc`. */
function addSegmentStats(hyp: string, refs: readonly string[], r: Resolved, acc: Float64Array): void {
  const opts = { lowercase: r.lowercase };
  const hypTokens = tokenize(hyp, r.tokenize, opts);
  index.clear();
  index.addWords(hypTokens);
  let closestDiff = -1;
  let closestLen = -1;
  for (const ref of refs) {
    const t = tokenize(ref, r.tokenize, opts);
    const diff = Math.abs(hypTokens.length - t.length);
    if (closestDiff === -1 || diff < closestDiff) {
      closestDiff = diff;
      closestLen = t.length;
    } else if (diff === closestDiff && t.length < closestLen) {
      closestLen = t.length;
    }
    index.addWords(t);
  }
  index.ready();
  const N = r.maxNgramOrder;
  acc[0] = (acc[0] as number) + hypTokens.length;
  acc[1] = (acc[1] as number) + closestLen;
  for (let k = 0; k < N; k++) {
    if (k > 0) index.next();
    const hLen = index.length(0);
    if (hLen === 0) break; // no hypothesis n-gram of this or any higher order
    ensureScratch(index.size);
    const refMax = scratchA;
    const cnt = scratchB;
    const cur = index.cur;
    for (let s = 1; s < index.count; s++) {
      const st = index.start(s);
      const end = st + index.length(s);
      for (let i = st; i < end; i++) {
        const id = cur[i] as number;
        cnt[id] = (cnt[id] as number) + 1;
      }
      for (let i = st; i < end; i++) {
        const id = cur[i] as number;
        const c = cnt[id] as number;
        if (c > 0) {
          if (c > (refMax[id] as number)) refMax[id] = c;
          cnt[id] = 0;
        }
      }
    }
    const h0 = index.start(0);
    const hEnd = h0 + hLen;
    for (let i = h0; i < hEnd; i++) {
      const id = cur[i] as number;
      cnt[id] = (cnt[id] as number) + 1;
    }
    let correct = 0;
    for (let i = h0; i < hEnd; i++) {
      const id = cur[i] as number;
      const c = cnt[id] as number;
      if (c > 0) {
        correct += Math.min(c, refMax[id] as number);
        cnt[id] = 0;
      }
    }
    for (let s = 1; s < index.count; s++) {
      const st = index.start(s);
      const end = st + index.length(s);
      for (let i = st; i < end; i++) refMax[cur[i] as number] = 0;
    }
    acc[2 + k] = (acc[2 + k] as number) + correct;
    acc[2 + N + k] = (acc[2 + N + k] as number) + hLen;
  }
}

function definedRefs(refs: readonly (string | null | undefined)[], where: string): string[] {
  // sacrebleu drops undefined (None) references, so segments may have different numbers of references.
  const out: string[] = [];
  for (const x of refs) {
    if (x === null || x === undefined) continue;
    if (typeof x !== "string") throw new Error(`BLEU: ${where}: each reference must be a string`);
    out.push(x);
  }
  if (out.length === 0) throw new Error(`BLEU: ${where}: no reference`);
  return out;
}

function scoreStats(acc: Float64Array, r: Resolved): BleuScore {
  const N = r.maxNgramOrder;
  // Plain loops: a typed-array subarray per call costs more than the whole score.
  const correct = new Array<number>(N);
  const total = new Array<number>(N);
  for (let k = 0; k < N; k++) {
    correct[k] = acc[2 + k] as number;
    total[k] = acc[2 + N + k] as number;
  }
  return computeBleu(correct, total, acc[0] as number, acc[1] as number, r);
}

/**
 * Corpus BLEU (sacrebleu `corpus_bleu`): `refStreams` is a list of reference streams, each aligned with
 * `hyps` (`refStreams[j][i]` is the j-th reference of hypothesis i; null/undefined entries are skipped).
 * Statistics are summed over segments before scoring. Defaults: 13a, exp smoothing, no effective order.
 */
export function corpusBleu(
  hyps: readonly string[],
  refStreams: readonly (readonly (string | null | undefined)[])[],
  options: BleuOptions = {},
): BleuScore {
  const r = resolve(options, { effectiveOrder: false, smoothMethod: "exp" });
  if (hyps.length === 0) throw new Error("BLEU: no hypotheses");
  if (refStreams.length === 0) throw new Error("BLEU: no reference streams");
  for (const [j, stream] of refStreams.entries()) {
    if (stream.length !== hyps.length) {
      throw new Error(`BLEU: reference stream ${j} has ${stream.length} segments but there are ${hyps.length} hypotheses`);
    }
  }
  const acc = new Float64Array(2 + 2 * r.maxNgramOrder);
  const segRefs: (string | null | undefined)[] = new Array(refStreams.length);
  for (let i = 0; i < hyps.length; i++) {
    const hyp = hyps[i];
    if (typeof hyp !== "string") throw new Error(`BLEU: hypothesis ${i} must be a string`);
    for (let j = 0; j < refStreams.length; j++) segRefs[j] = (refStreams[j] as readonly (string | null | undefined)[])[i];
    addSegmentStats(hyp, definedRefs(segRefs, `segment ${i}`), r, acc);
  }
  return scoreStats(acc, r);
}

/**
 * Sentence BLEU (sacrebleu `sentence_bleu`): one hypothesis against its references. Defaults: 13a, exp
 * smoothing, effective order on.
 */
export function sentenceBleu(hyp: string, refs: readonly string[], options: BleuOptions = {}): BleuScore {
  const r = resolve(options, { effectiveOrder: true, smoothMethod: "exp" });
  if (typeof hyp !== "string") throw new Error("BLEU: the hypothesis must be a string");
  if (typeof refs === "string" || !Array.isArray(refs)) throw new Error("BLEU: refs must be an array of strings");
  const acc = new Float64Array(2 + 2 * r.maxNgramOrder);
  addSegmentStats(hyp, definedRefs(refs, "sentence"), r, acc);
  return scoreStats(acc, r);
}

const SACREBLEU_BLEU_KEYS: Record<string, (o: BleuOptions, v: unknown) => void> = {
  tokenize: (o, v) => {
    if (v !== null) o.tokenize = v as TokenizerName;
  },
  lowercase: (o, v) => {
    o.lowercase = Boolean(v);
  },
  smooth_method: (o, v) => {
    o.smoothMethod = v as SmoothMethod;
  },
  smooth_value: (o, v) => {
    if (v !== null && typeof v !== "number") throw new Error("BLEU option smooth_value must be a number or null");
    o.smoothValue = v;
  },
  effective_order: (o, v) => {
    o.effectiveOrder = Boolean(v);
  },
  max_ngram_order: (o, v) => {
    if (typeof v !== "number") throw new Error("BLEU option max_ngram_order must be a number");
    o.maxNgramOrder = v;
  },
  // Only silences sacrebleu's "looks tokenized" warning; it never changes a score.
  force: () => {},
};

/**
 * Maps sacrebleu's keyword names (`tokenize`, `smooth_method`, `smooth_value`, `lowercase`, `effective_order`,
 * `max_ngram_order`, `force`) to `BleuOptions`; throws on any other key, naming it.
 */
export function bleuOptionsFromSacrebleu(obj: Readonly<Record<string, unknown>>): BleuOptions {
  const o: BleuOptions = {};
  for (const [key, value] of Object.entries(obj)) {
    const set = Object.hasOwn(SACREBLEU_BLEU_KEYS, key) ? SACREBLEU_BLEU_KEYS[key] : undefined;
    if (!set) throw new Error(`Unknown BLEU option "${key}"; allowed: ${Object.keys(SACREBLEU_BLEU_KEYS).join(", ")}`);
    set(o, value);
  }
  return resolveForCheck(o);
}

function resolveForCheck(o: BleuOptions): BleuOptions {
  resolve(o, { effectiveOrder: false, smoothMethod: "exp" }); // validates values, throws naming the option
  return o;
}

/** Corpus BLEU one segment at a time, in flat memory: the same sums `corpusBleu` makes. */
export class BleuCorpus {
  private readonly r: ReturnType<typeof resolve>;
  private readonly acc: Float64Array;
  segments = 0;
  constructor(options: BleuOptions = {}) {
    this.r = resolve(options, { effectiveOrder: false, smoothMethod: "exp" });
    this.acc = new Float64Array(2 + 2 * this.r.maxNgramOrder);
  }
  add(hyp: string, refs: readonly string[]): void {
    addSegmentStats(hyp, definedRefs(refs, `segment ${this.segments}`), this.r, this.acc);
    this.segments++;
  }
  score(): BleuScore {
    if (!this.segments) throw new Error("BLEU: no hypotheses");
    return scoreStats(this.acc, this.r);
  }
}
