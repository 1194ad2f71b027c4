import { describe, expect, it } from "vitest";
import {
  argmaxOf,
  continuationOf,
  firstTokenLogprobs,
  needsEnd,
  optionsOf,
  parseVerdictText,
  spanLogprob,
  type Verdict,
  verdictInstruction,
} from "./verdict";

const goodBad: Verdict = {
  kind: "categorical",
  options: [
    { label: "good", score: 1 },
    { label: "bad", score: 0 },
    { label: "partly good", score: 0.5 },
  ],
};
const scale: Verdict = { kind: "numeric", min: 1, max: 10 };

describe("verdict options", () => {
  it("lists a categorical verdict's options and a numeric one's whole numbers", () => {
    expect(optionsOf(goodBad).map((o) => o.label)).toEqual(["good", "bad", "partly good"]);
    expect(optionsOf({ kind: "numeric", min: -1, max: 1 })).toEqual([
      { label: "-1", score: -1 },
      { label: "0", score: 0 },
      { label: "1", score: 1 },
    ]);
    expect(verdictInstruction(goodBad)).toBe("Answer with exactly one of: good, bad, partly good.");
    expect(verdictInstruction(scale)).toBe("Answer with a whole number from 1 to 10.");
  });

  it("ends the continuations only where one label begins another", () => {
    expect(needsEnd(["good", "bad"])).toBe(false);
    expect(needsEnd(["1", "2", "10"])).toBe(true);
    expect(needsEnd(["Good", "good enough"])).toBe(true);
    expect(continuationOf("good", false)).toBe(" good");
    expect(continuationOf("10", true)).toBe(" 10\n");
  });
});

describe("an option's log-probability from an echoed prompt", () => {
  // "Verdict:" + " good" + a generated token, as the gateway echoes them
  const lp = {
    tokens: ["Ver", "dict", ":", " go", "od", " and"],
    token_logprobs: [null, -1, -0.5, -2, -0.25, -3],
    text_offset: [0, 3, 7, 8, 11, 13],
  };
  it("sums the tokens of the span, not the prompt's or the generated ones", () => {
    expect(spanLogprob(lp, 8, 13)).toEqual({ logprob: -2.25, exact: true });
  });
  it("marks a token that also covers the prompt as inexact", () => {
    expect(spanLogprob(lp, 9, 13)).toEqual({ logprob: -2.25, exact: false });
  });
  it("reads a token's end from the next one's start (a part of a character reads as one U+FFFD)", () => {
    // "é:" + " oui": the é is two tokens that each read as U+FFFD, both starting where the é does
    const split = {
      tokens: ["\uFFFD", "\uFFFD", ":", " ou", "i"],
      token_logprobs: [null, -1, -1, -2, -0.5],
      text_offset: [0, 0, 1, 2, 5],
    };
    expect(spanLogprob(split, 2, 6)).toEqual({ logprob: -2.5, exact: true });
  });
  it("is null without log-probabilities for the span", () => {
    expect(spanLogprob(lp, 0, 3)).toBeNull(); // the first token has none
    expect(spanLogprob(null, 0, 3)).toBeNull();
    expect(spanLogprob({ tokens: [], token_logprobs: [], text_offset: [] }, 0, 3)).toBeNull();
  });
  it("picks the highest, the first of equals", () => {
    expect(argmaxOf([-3, -1, -2])).toBe(1);
    expect(argmaxOf([null, -5, -5])).toBe(1);
    expect(argmaxOf([null, null])).toBeNull();
  });
});

describe("options from a first token's top alternatives", () => {
  it("adds the alternatives that begin one option only, case and leading space aside", () => {
    const top = [
      { token: " Good", logprob: Math.log(0.3) },
      { token: "good", logprob: Math.log(0.1) },
      { token: " bad", logprob: Math.log(0.2) },
      { token: " the", logprob: Math.log(0.15) },
      { token: " p", logprob: Math.log(0.05) },
      { token: "bad.", logprob: Math.log(0.01) },
    ];
    const lps = firstTokenLogprobs(top, ["good", "bad", "partly good"]);
    expect(lps[0]).toBeCloseTo(Math.log(0.4), 12);
    expect(lps[1]).toBeCloseTo(Math.log(0.21), 12);
    expect(lps[2]).toBeCloseTo(Math.log(0.05), 12);
    expect(argmaxOf(lps)).toBe(0);
  });
  it("lets a token shared by several labels decide nothing", () => {
    // "1" begins 1 and 10: it cannot tell them apart
    const lps = firstTokenLogprobs([{ token: "1", logprob: -0.1 }], ["1", "2", "10"]);
    expect(lps).toEqual([null, null, null]);
    expect(firstTokenLogprobs([{ token: " the", logprob: -0.1 }], ["yes", "no"])).toEqual([null, null]);
  });
});

describe("a verdict from the judge's text", () => {
  it("reads the first label after the last marker, the longest where two start at one place", () => {
    expect(parseVerdictText("good", goodBad)).toEqual({ index: 0 });
    expect(parseVerdictText("The answer is bad, not good.", goodBad)).toEqual({ index: 1 });
    expect(parseVerdictText("It looks good at first, but... Verdict: BAD", goodBad)).toEqual({ index: 1 });
    expect(parseVerdictText("Verdict: partly good", goodBad)).toEqual({ index: 2 });
    // a label inside a word is not the label
    expect("error" in parseVerdictText("goodness badly", goodBad)).toBe(true);
  });
  it("reads a whole number within the scale", () => {
    expect(parseVerdictText("7", scale)).toEqual({ index: 6 });
    expect(parseVerdictText("On a scale of 1 to 10... Score: 8/10", scale)).toEqual({ index: 7 });
    expect(parseVerdictText("Rating = 10", scale)).toEqual({ index: 9 });
    expect(parseVerdictText("I give it 11", scale)).toEqual({ error: "11 is outside the scale 1 to 10" });
    expect(parseVerdictText("7.5", scale)).toEqual({ error: "7.5 is not a whole number from 1 to 10" });
    expect(parseVerdictText("no idea", scale)).toEqual({ error: "no number from 1 to 10 in the judge's answer" });
  });
  it("says which options it looked for", () => {
    expect(parseVerdictText("I cannot decide.", goodBad)).toEqual({
      error: "none of the options (good, bad, partly good) in the judge's answer",
    });
  });
});
