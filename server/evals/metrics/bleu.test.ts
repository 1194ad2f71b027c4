import { describe, expect, it } from "vitest";
import { loadPeerVectors } from "../../../test/helpers/peer-vectors";
import { type BleuScore, bleuFromStats, bleuOptionsFromSacrebleu, corpusBleu, sentenceBleu } from "./bleu";

interface Expected {
  ok: boolean;
  error?: string;
  score?: number;
  counts?: number[];
  totals?: number[];
  precisions?: number[];
  bp?: number;
  sys_len?: number;
  ref_len?: number;
}
interface BleuCase {
  id: string;
  level: "corpus" | "sentence";
  hyps?: string[];
  hyp?: string;
  refs: string[][] | string[];
  options: Record<string, unknown>;
  tol: number;
}
interface StatsCase {
  id: string;
  correct: number[];
  total: number[];
  sys_len: number;
  ref_len: number;
  options: Record<string, unknown>;
  tol: number;
}

function loadVectors(): {
  cases: { peer_bleu: BleuCase[]; peer_bleu_stats: StatsCase[] };
  expected: { peer_bleu: Record<string, Expected>; peer_bleu_stats: Record<string, Expected> };
} {
  return loadPeerVectors();
}

const vectors = loadVectors();

const FIELDS = ["score", "counts", "totals", "precisions", "bp", "sys_len", "ref_len"] as const;

function expectClose(actual: number, expected: number, tol: number, what: string): void {
  const diff = Math.abs(actual - expected);
  if (!(diff <= tol)) throw new Error(`${what}: got ${actual}, expected ${expected} (tol ${tol})`);
}

function expectBleu(got: BleuScore, want: Expected, tol: number, id: string): void {
  for (const f of FIELDS) {
    const w = want[f];
    if (w === undefined) continue;
    const g = got[f];
    if (Array.isArray(w)) {
      expect(Array.isArray(g), `${id}.${f}`).toBe(true);
      const ga = g as number[];
      expect(ga.length, `${id}.${f} length`).toBe(w.length);
      for (const [i, x] of w.entries()) expectClose(ga[i] as number, x, tol, `${id}.${f}[${i}]`);
    } else {
      expectClose(g as number, w, tol, `${id}.${f}`);
    }
  }
}

describe("BLEU peer vectors (sacrebleu 2.6.0)", () => {
  it("has the expected number of cases", () => {
    expect(vectors.cases.peer_bleu).toHaveLength(39);
    expect(vectors.cases.peer_bleu_stats).toHaveLength(7);
  });

  for (const c of vectors.cases.peer_bleu) {
    it(`${c.id} (${c.level})`, () => {
      const want = vectors.expected.peer_bleu[c.id];
      if (!want) throw new Error(`no expected entry for ${c.id}`);
      const run = () => {
        const opts = bleuOptionsFromSacrebleu(c.options);
        return c.level === "sentence"
          ? sentenceBleu(c.hyp as string, c.refs as string[], opts)
          : corpusBleu(c.hyps as string[], c.refs as string[][], opts);
      };
      if (!want.ok) {
        expect(run).toThrow();
        return;
      }
      expectBleu(run(), want, c.tol, c.id);
    });
  }

  for (const c of vectors.cases.peer_bleu_stats) {
    it(`${c.id} (from statistics)`, () => {
      const want = vectors.expected.peer_bleu_stats[c.id];
      if (!want) throw new Error(`no expected entry for ${c.id}`);
      const run = () =>
        bleuFromStats({ correct: c.correct, total: c.total, sysLen: c.sys_len, refLen: c.ref_len }, bleuOptionsFromSacrebleu(c.options));
      if (!want.ok) {
        expect(run).toThrow();
        return;
      }
      expectBleu(run(), want, c.tol, c.id);
    });
  }
});

describe("BLEU edge cases", () => {
  it("scores an empty hypothesis 0 with bp 0", () => {
    const s = sentenceBleu("", ["a reference"]);
    expect(s).toMatchObject({ score: 0, bp: 0, sys_len: 0, ref_len: 2, counts: [0, 0, 0, 0], totals: [0, 0, 0, 0] });
  });

  it("handles an empty reference (hypothesis longer, nothing matches)", () => {
    const s = sentenceBleu("some words", [""]);
    expect(s).toMatchObject({ score: 0, bp: 1, sys_len: 2, ref_len: 0 });
  });

  it("scores empty against empty as 0 without NaN", () => {
    const s = sentenceBleu("", [""]);
    expect(s.score).toBe(0);
    expect(s.bp).toBe(1);
    expect(Number.isNaN(s.score)).toBe(false);
  });

  it("scores identical sentences 100", () => {
    expect(sentenceBleu("The cat sat on the mat.", ["The cat sat on the mat."]).score).toBeCloseTo(100, 10);
    expect(corpusBleu(["a b c d", "e f g h"], [["a b c d", "e f g h"]]).score).toBeCloseTo(100, 10);
  });

  it("clips with the maximum count over references and picks the closest (shorter on tie) length", () => {
    // hyp has 3 'the'; ref1 has 2, ref2 has 1: clipped 1-gram matches of 'the' = 2
    const s = sentenceBleu("the the the", ["the the cat", "the"], { tokenize: "none" });
    expect(s.counts[0]).toBe(2);
    expect(s.ref_len).toBe(3);
    const tie = sentenceBleu("a b c", ["a b", "a b c d"], { tokenize: "none" });
    expect(tie.ref_len).toBe(2);
  });

  it("ignores undefined references per segment like sacrebleu's None", () => {
    const a = corpusBleu(
      ["a b c", "d e f"],
      [
        ["a b c", "d e f"],
        ["x", null],
      ],
    );
    expect(a.counts[0]).toBe(6);
  });

  it("rejects misaligned streams, no references and unknown options", () => {
    expect(() => corpusBleu(["a", "b"], [["a"]])).toThrow(/reference stream 0/);
    expect(() => corpusBleu([], [[]])).toThrow(/no hypotheses/);
    expect(() => sentenceBleu("a", [])).toThrow(/no reference/);
    expect(() => bleuOptionsFromSacrebleu({ smooth: "exp" })).toThrow(/"smooth"/);
    expect(() => bleuOptionsFromSacrebleu({ smooth_method: "bogus" })).toThrow(/smooth_method/);
    expect(() => bleuOptionsFromSacrebleu({ tokenize: "zh" })).toThrow(/tokenize/);
  });

  it("treats numbers, punctuation and unicode under each tokenizer", () => {
    const hyp = "Pi is 3.14, about 1,000 km — café 東京 👍🏽!";
    for (const tokenize of ["13a", "intl", "char", "none"] as const) {
      const s = sentenceBleu(hyp, [hyp], { tokenize });
      expect(s.score, tokenize).toBeCloseTo(100, 10);
    }
    expect(sentenceBleu(hyp, ["Pi is 3.14 , about 1,000 km — café 東京 👍🏽 !"]).score).toBeCloseTo(100, 10);
  });

  it("add-k reports smoothed counts; none gives 0 when a higher order has no match", () => {
    const addk = sentenceBleu("a b x y", ["a b c d"], { smoothMethod: "add-k", tokenize: "none" });
    expect(addk.counts).toEqual([2, 2, 1, 1]);
    expect(addk.totals).toEqual([4, 4, 3, 2]);
    expect(sentenceBleu("a b x y", ["a b c d"], { smoothMethod: "none", tokenize: "none" }).score).toBe(0);
  });

  it("completes a 10k-token corpus segment quickly", () => {
    const words = Array.from({ length: 10_000 }, (_, i) => `w${(i * 7919) % 1013}`);
    const hyp = words.join(" ");
    const ref = words.slice().reverse().join(" ");
    const t0 = performance.now();
    const s = corpusBleu([hyp], [[ref]]);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(s.totals[0]).toBe(10_000);
    expect(s.counts[0]).toBe(10_000);
    expect(s.score).toBeGreaterThan(0);
    expect(s.score).toBeLessThan(100);
  });
});
