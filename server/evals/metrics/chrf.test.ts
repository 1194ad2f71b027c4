import { describe, expect, it } from "vitest";
import { loadPeerVectors } from "../../../test/helpers/peer-vectors";
import { chrfFromStats, chrfOptionsFromSacrebleu, corpusChrf, removePunctuation, sentenceChrf } from "./chrf";

interface ChrfCase {
  id: string;
  level: "corpus" | "sentence";
  hyps?: string[];
  hyp?: string;
  refs: string[][] | string[];
  options: Record<string, unknown>;
  tol: number;
}
interface Expected {
  ok: boolean;
  score?: number;
}

function loadVectors(): { cases: { peer_chrf: ChrfCase[] }; expected: { peer_chrf: Record<string, Expected> } } {
  return loadPeerVectors();
}

const vectors = loadVectors();

describe("chrF peer vectors (sacrebleu 2.6.0)", () => {
  it("has the expected number of cases", () => {
    expect(vectors.cases.peer_chrf).toHaveLength(25);
  });

  for (const c of vectors.cases.peer_chrf) {
    it(`${c.id} (${c.level})`, () => {
      const want = vectors.expected.peer_chrf[c.id];
      if (!want) throw new Error(`no expected entry for ${c.id}`);
      const run = () => {
        const opts = chrfOptionsFromSacrebleu(c.options);
        return c.level === "sentence"
          ? sentenceChrf(c.hyp as string, c.refs as string[], opts)
          : corpusChrf(c.hyps as string[], c.refs as string[][], opts);
      };
      if (!want.ok) {
        expect(run).toThrow();
        return;
      }
      const got = run().score;
      const diff = Math.abs(got - (want.score as number));
      if (!(diff <= c.tol)) throw new Error(`${c.id}: got ${got}, expected ${want.score} (tol ${c.tol})`);
    });
  }
});

interface Golden {
  hyp: string;
  refs: string[];
  options: Record<string, unknown>;
  score: number;
}

/** Scores from sacrebleu 2.6.0 `CHRF(**options).sentence_score(hyp, refs)`. */
const GOLDEN: Golden[] = [
  { hyp: "The cat sat on the mat.", refs: ["The cat is on the mat.", "A cat sat on a mat."], options: {}, score: 67.17273492330233 },
  {
    hyp: "The cat sat on the mat.",
    refs: ["The cat is on the mat.", "A cat sat on a mat."],
    options: { word_order: 2 },
    score: 69.43695278069349,
  },
  {
    hyp: "\u6771\u4eac\u306f\u6674\u308c\u3067\u3059 \ud83d\udc4d\ud83c\udffd",
    refs: ["\u6771\u4eac\u306f\u96e8\u3067\u3059 \ud83d\udc4d"],
    options: {},
    score: 30.10888263351317,
  },
  {
    hyp: "\u6771\u4eac\u306f\u6674\u308c\u3067\u3059 \ud83d\udc4d\ud83c\udffd",
    refs: ["\u6771\u4eac\u306f\u96e8\u3067\u3059 \ud83d\udc4d"],
    options: { word_order: 2, eps_smoothing: true },
    score: 22.577264764764767,
  },
  { hyp: "Caf\u00e9 (hi) don't!", refs: ["cafe hi, don't"], options: { word_order: 2, lowercase: true }, score: 29.690671308740175 },
  { hyp: "", refs: [""], options: {}, score: 0.0 },
  { hyp: "", refs: [""], options: { eps_smoothing: true }, score: 1.0000000000000002e-14 },
  { hyp: "abc", refs: [""], options: {}, score: 0.0 },
  { hyp: "", refs: ["abc"], options: { word_order: 2 }, score: 0.0 },
  { hyp: "3.14 and 1,000", refs: ["3.14 and 1.000"], options: { word_order: 2 }, score: 63.57052669552669 },
];

describe("chrF / chrF++ against sacrebleu 2.6.0 (unicode, punctuation, numbers, empty input)", () => {
  for (const g of GOLDEN) {
    it(`${JSON.stringify(g.hyp)} vs ${JSON.stringify(g.refs)} ${JSON.stringify(g.options)}`, () => {
      const got = sentenceChrf(g.hyp, g.refs, chrfOptionsFromSacrebleu(g.options)).score;
      expect(Math.abs(got - g.score)).toBeLessThanOrEqual(1e-9);
    });
  }
});

describe("chrF details", () => {
  it("splits one leading or trailing ASCII punctuation mark off words (sacrebleu issue #124 included)", () => {
    expect(removePunctuation("(hi) don't! a , 👍 «x»")).toEqual(["(hi", ")", "don't", "!", "a", ",", "👍", "«x»"]);
  });

  it("picks the best reference per segment, first on a tie", () => {
    const one = sentenceChrf("the cat", ["a dog", "the cat"]).score;
    expect(one).toBeCloseTo(100, 10);
    const corpus = corpusChrf(
      ["the cat", "a dog"],
      [
        ["zzz", "a dog"],
        ["the cat", "qqq"],
      ],
    );
    expect(corpus.score).toBeCloseTo(100, 10);
  });

  it("returns the sacrebleu score fields and defaults (chrF2, 6 char orders, no word orders)", () => {
    expect(sentenceChrf("a", ["a"])).toEqual({ score: 100, char_order: 6, word_order: 0, beta: 2 });
    expect(sentenceChrf("a b", ["a b"], { wordOrder: 2 }).word_order).toBe(2);
  });

  it("computes from summed statistics", () => {
    // one char order: 2 hyp n-grams, 4 ref n-grams, 2 matches -> P 1, R 0.5, F2 = 5 * 0.5 / (4 + 0.5)
    expect(chrfFromStats([2, 4, 2], { charOrder: 1 }).score).toBeCloseTo((100 * 2.5) / 4.5, 12);
    expect(() => chrfFromStats([1, 2], { charOrder: 1 })).toThrow(/expected 3/);
  });

  it("rejects misaligned streams, no references and unknown options", () => {
    expect(() => corpusChrf(["a", "b"], [["a"]])).toThrow(/reference stream 0/);
    expect(() => sentenceChrf("a", [])).toThrow(/no reference/);
    expect(() => chrfOptionsFromSacrebleu({ order: 6 })).toThrow(/"order"/);
    expect(() => chrfOptionsFromSacrebleu({ char_order: "6" })).toThrow(/char_order/);
  });

  it("completes a 10k-word text", () => {
    const words = Array.from({ length: 10_000 }, (_, i) => `w${(i * 7919) % 1013}`);
    const t0 = performance.now();
    const s = sentenceChrf(words.join(" "), [words.slice().reverse().join(" ")], { wordOrder: 2 });
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(s.score).toBeGreaterThan(0);
    expect(s.score).toBeLessThan(100);
  });
});
