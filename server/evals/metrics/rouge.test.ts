import { describe, expect, it } from "vitest";
import { loadPeerVectors } from "../../../test/helpers/peer-vectors";
import { rougeOptionsFromSnake, rougeScore, rougeScoreMulti, rougeTokenize } from "./rouge";

type Figures = { precision?: number; recall?: number; fmeasure?: number };
type Expected = Record<string, Figures | boolean | string | undefined> & { ok?: boolean; error?: string };
interface RougeCase {
  id: string;
  target: string;
  prediction: string;
  rouge_types: string[];
  use_stemmer: boolean;
  tol: number;
  split_summaries?: boolean;
  note?: string;
}
interface MultiCase extends Omit<RougeCase, "target"> {
  targets: string[];
}
interface PeerVectors {
  cases: {
    peer_rouge: RougeCase[];
    peer_rouge_multi: MultiCase[];
    peer_rouge_invalid_types: string[];
    peer_rouge_tokenize: { text: string; stem: boolean; expected: string[] }[];
  };
  expected: {
    peer_rouge: Record<string, Expected>;
    peer_rouge_multi: Record<string, Expected>;
    peer_rouge_tokenize: { text: string; stem: boolean; tokens?: string[]; ok: boolean }[];
  };
}

const peer = loadPeerVectors<PeerVectors>();

/** Every figure the reference stored for every type, within tol (a tol of 0 still allows float noise of 1e-12). */
function expectScores(got: Record<string, Figures>, expected: Expected, tol: number): void {
  const types = Object.keys(expected).filter((k) => k !== "ok" && k !== "error");
  expect(types.length).toBeGreaterThan(0);
  for (const type of types) {
    const exp = expected[type] as Figures;
    const g = got[type];
    expect(g, type).toBeDefined();
    for (const k of ["precision", "recall", "fmeasure"] as const) {
      if (exp[k] === undefined) continue;
      expect(Math.abs(g![k]! - exp[k]), `${type}.${k}: got ${g![k]}, expected ${exp[k]}`).toBeLessThanOrEqual(Math.max(tol, 1e-12));
    }
  }
}

describe("rouge peer vectors (rouge-score 0.1.2, nltk 3.8.1)", () => {
  it("has the expected vector counts", () => {
    expect(peer.cases.peer_rouge).toHaveLength(32);
    expect(peer.cases.peer_rouge_multi).toHaveLength(2);
    expect(peer.cases.peer_rouge_invalid_types).toHaveLength(3);
    expect(peer.cases.peer_rouge_tokenize).toHaveLength(4);
  });

  for (const c of peer.cases.peer_rouge) {
    const exp = peer.expected.peer_rouge[c.id];
    if (c.split_summaries) {
      // rouge-score split_summaries=True needs nltk's punkt model; Keel splits rougeLsum on "\n" only.
      it.skip(`${c.id}: unsupported (split_summaries=True needs nltk punkt; reference stored an error)`, () => {});
      continue;
    }
    it(`${c.id} (${c.rouge_types.join(",")}${c.use_stemmer ? ", stemmed" : ""})`, () => {
      expect(exp, `no expected entry for ${c.id}`).toBeDefined();
      expect(exp!.ok, `reference errored: ${exp!.error}`).toBe(true);
      expectScores(rougeScore(c.target, c.prediction, { rougeTypes: c.rouge_types, useStemmer: c.use_stemmer }), exp!, c.tol);
    });
  }

  for (const c of peer.cases.peer_rouge_multi) {
    it(`score_multi ${c.id}`, () => {
      const exp = peer.expected.peer_rouge_multi[c.id];
      expect(exp?.ok).toBe(true);
      expectScores(rougeScoreMulti(c.targets, c.prediction, { rougeTypes: c.rouge_types, useStemmer: c.use_stemmer }), exp!, c.tol);
    });
  }

  for (const type of peer.cases.peer_rouge_invalid_types) {
    it(`rejects rouge type ${JSON.stringify(type)}`, () => {
      expect(() => rougeScore("a b", "a b", { rougeTypes: [type] })).toThrow(type);
      expect(() => rougeOptionsFromSnake({ rouge_types: [type] })).toThrow(/rouge_types/);
    });
  }

  peer.cases.peer_rouge_tokenize.forEach((c, i) => {
    it(`tokenize #${i} ${JSON.stringify(c.text)}${c.stem ? " stemmed" : ""}`, () => {
      const exp = peer.expected.peer_rouge_tokenize[i];
      expect(exp?.ok).toBe(true);
      expect(exp?.text).toBe(c.text);
      expect(rougeTokenize(c.text, { useStemmer: c.stem })).toEqual(exp!.tokens);
      expect(rougeTokenize(c.text, { useStemmer: c.stem })).toEqual(c.expected);
    });
  });
});

describe("rougeTokenize", () => {
  it("is ASCII-only like rouge-score: accents cut words, other scripts and emoji vanish", () => {
    expect(rougeTokenize("Café naïve")).toEqual(["caf", "na", "ve"]);
    expect(rougeTokenize("Ελληνικά Русский 日本語 👍🏽")).toEqual([]);
    expect(rougeTokenize("mixed日本text")).toEqual(["mixed", "text"]);
  });

  it("lowercases like Python str.lower (İ -> i + combining dot, Kelvin sign -> k)", () => {
    expect(rougeTokenize("İstanbul \u212Aelvin")).toEqual(["i", "stanbul", "kelvin"]);
  });

  it("splits punctuation and keeps numbers", () => {
    expect(rougeTokenize("Hello, world! It's 3.14 -- e-mail_x")).toEqual(["hello", "world", "it", "s", "3", "14", "e", "mail", "x"]);
  });

  it("stems only tokens longer than 3 characters", () => {
    expect(rougeTokenize("runs ties dies running", { useStemmer: true })).toEqual(["run", "tie", "die", "run"]);
    expect(rougeTokenize("ies", { useStemmer: true })).toEqual(["ies"]);
  });

  it("returns no tokens for empty or non-word input", () => {
    expect(rougeTokenize("")).toEqual([]);
    expect(rougeTokenize(" \n\t/.,")).toEqual([]);
  });
});

describe("rougeScore edge cases", () => {
  const all = ["rouge1", "rouge2", "rouge9", "rougeL", "rougeLsum"];
  const zero = { precision: 0, recall: 0, fmeasure: 0 };

  it("gives 0/0/0, never NaN, when either side has no tokens", () => {
    for (const [t, p] of [
      ["", ""],
      ["a b", ""],
      ["", "a b"],
      ["日本", "日本"],
      ["!!!", "..."],
      ["\n\n", "\n"],
    ] as const) {
      const s = rougeScore(t, p, { rougeTypes: all });
      for (const type of all) expect(s[type], `${type} ${JSON.stringify([t, p])}`).toEqual(zero);
    }
  });

  it("counts n-grams as multisets", () => {
    const s = rougeScore("the the the cat", "the the dog", { rougeTypes: ["rouge1", "rouge2"] });
    expect(s.rouge1).toEqual({ precision: 2 / 3, recall: 2 / 4, fmeasure: (2 * (2 / 3) * 0.5) / (2 / 3 + 0.5) });
    expect(s.rouge2!.precision).toBe(1 / 2);
    expect(s.rouge2!.recall).toBe(1 / 3);
  });

  it("rougeLsum splits on \\n only and never counts a token twice", () => {
    // Both candidate sentences match the single "a" of the reference; it counts once.
    const s = rougeScore("a b", "a\na", { rougeTypes: ["rougeLsum"] });
    expect(s.rougeLsum).toEqual({ precision: 0.5, recall: 0.5, fmeasure: 0.5 });
    // "\r" is not a sentence break (tokenizes away), blank lines are dropped.
    expect(rougeScore("a b\r\nc", "c\n\n\na b", { rougeTypes: ["rougeLsum"] }).rougeLsum!.fmeasure).toBe(1);
  });

  it("follows rouge-score's LCS backtracking tie rule in rougeLsum", () => {
    // ref "a a" vs candidates "a" and "a c". On a tie rouge-score steps up (i - 1), so "a c" matches
    // ref index 0 while "a" matches index 1: union {0, 1}, 2 hits. Stepping left on ties gives 1 hit (F 0.4).
    expect(rougeScore("a a", "a\na c", { rougeTypes: ["rougeLsum"] }).rougeLsum).toEqual({
      precision: 2 / 3,
      recall: 1,
      fmeasure: 0.8,
    });
    // Hits are capped by the candidate's count of "a" (one), whatever the union holds.
    expect(rougeScore("a x a", "a", { rougeTypes: ["rougeLsum"] }).rougeLsum).toEqual({
      precision: 1,
      recall: 1 / 3,
      fmeasure: 0.5,
    });
  });

  it("keeps the result keys in the requested order and validates every type first", () => {
    expect(Object.keys(rougeScore("a", "a", { rougeTypes: ["rougeL", "rouge1"] }))).toEqual(["rougeL", "rouge1"]);
    expect(() => rougeScore("a", "a", { rougeTypes: ["rouge1", "rougeX"] })).toThrow(/Invalid rouge type/);
    for (const bad of ["ROUGE1", "rouge", "rougel", "rouge1 ", "rouge1\n", "rougeLSum"]) {
      expect(() => rougeScore("a", "a", { rougeTypes: [bad] })).toThrow();
    }
  });

  it("finishes a 10k-token text (rouge1/2/L and a 10k-token single-line rougeLsum)", () => {
    const words = ["alpha", "beta", "gamma", "delta", "running", "friends", "meeting", "x"];
    const gen = (seed: number) => {
      let s = seed;
      const out: string[] = [];
      for (let i = 0; i < 10_000; i++) {
        s = (s * 1103515245 + 12345) % 2147483648;
        out.push(words[s % words.length]!);
      }
      return out.join(" ");
    };
    const t = gen(1);
    const p = gen(2);
    const s = rougeScore(t, p, { rougeTypes: ["rouge1", "rouge2", "rougeL", "rougeLsum"], useStemmer: true });
    for (const type of ["rouge1", "rouge2", "rougeL", "rougeLsum"]) {
      expect(s[type]!.fmeasure).toBeGreaterThan(0);
      expect(s[type]!.fmeasure).toBeLessThanOrEqual(1);
    }
    // Single-line rougeLsum equals rougeL.
    expect(s.rougeLsum!.fmeasure).toBeCloseTo(s.rougeL!.fmeasure, 12);
  }, 30_000);
});

describe("rougeScoreMulti", () => {
  it("picks, per type, the target with the best F-measure (first on ties)", () => {
    const s = rougeScoreMulti(["a b c d", "a b"], "a b", { rougeTypes: ["rouge1", "rouge2"] });
    expect(s.rouge1!.fmeasure).toBe(1);
    const tie = rougeScoreMulti(["a x", "x a"], "a", { rougeTypes: ["rouge1"] });
    expect(tie.rouge1).toEqual(rougeScore("a x", "a", { rougeTypes: ["rouge1"] }).rouge1);
  });

  it("throws without targets", () => {
    expect(() => rougeScoreMulti([], "a", { rougeTypes: ["rouge1"] })).toThrow(/target/);
  });
});

describe("rougeOptionsFromSnake", () => {
  it("maps snake_case options and applies defaults", () => {
    expect(rougeOptionsFromSnake({ rouge_types: ["rouge1", "rougeLsum"], use_stemmer: true })).toEqual({
      rougeTypes: ["rouge1", "rougeLsum"],
      useStemmer: true,
    });
    expect(rougeOptionsFromSnake(undefined)).toEqual({ rougeTypes: ["rouge1", "rouge2", "rougeL", "rougeLsum"], useStemmer: false });
    expect(rougeOptionsFromSnake({})).toEqual({ rougeTypes: ["rouge1", "rouge2", "rougeL", "rougeLsum"], useStemmer: false });
  });

  it("rejects unknown option names and bad values, naming the option", () => {
    expect(() => rougeOptionsFromSnake({ rougeTypes: ["rouge1"] })).toThrow(/"rougeTypes"/);
    expect(() => rougeOptionsFromSnake({ split_summaries: true })).toThrow(/"split_summaries"/);
    expect(() => rougeOptionsFromSnake({ use_stemmer: "yes" })).toThrow(/use_stemmer/);
    expect(() => rougeOptionsFromSnake({ rouge_types: "rouge1" })).toThrow(/rouge_types/);
    expect(() => rougeOptionsFromSnake({ rouge_types: [] })).toThrow(/rouge_types/);
    expect(() => rougeOptionsFromSnake([1])).toThrow(/object/);
  });
});
