/** The one-pass 13a tokenizer against the regex reference it replaced, on generated strings. */
import { describe, expect, it } from "vitest";
import { xorshift32 } from "../../core/random";
import { pyRstrip, tokenize, tokenize13aReference } from "./tokenizers";

/** Token lists sacrebleu 2.6.0 gives (`BLEU(tokenize=...)._preprocess_segment(text).split()`). */
describe("13a single-pass scanner", () => {
  // Pieces that exercise every rule: symbols, ".", ",", "-", digits, entities, <skipped>, line breaks,
  // Python-only whitespace, and non-ASCII (accents, CJK, astral emoji).
  const ALPHABET = [
    ..."!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    ..."0123456789",
    ..."aZx",
    ...".,-.,-.,-0909",
    "&quot;",
    "&amp;",
    "&lt;",
    "&gt;",
    "&amp;lt;",
    "&",
    "<skipped>",
    "<skip",
    "ped>",
    "-\n",
    "\n",
    "\r\n",
    " ",
    "  ",
    "\t",
    "\x1c",
    "\x1d",
    "\x1e",
    "\x1f",
    "\x85",
    "\u00a0",
    "\u2028",
    "\u3000",
    "\ufeff",
    "\u00e9",
    "\u00c9",
    "\u0130",
    "\u6771\u4eac",
    "\u3002",
    "\ud83d\udc4d",
    "\ud83c\udffd",
    "\ud83d",
    "\u2014",
    "\u2026",
    "\uff10",
  ];

  it("matches the regex reference on random strings", () => {
    const rand = xorshift32(13);
    for (let t = 0; t < 20_000; t++) {
      const len = Math.floor(rand() * (t < 10_000 ? 8 : 40));
      let text = "";
      for (let k = 0; k < len; k++) text += ALPHABET[Math.floor(rand() * ALPHABET.length)];
      for (const lowercase of [false, true]) {
        const line = pyRstrip(lowercase ? text.toLowerCase() : text);
        expect(tokenize(text, "13a", { lowercase }), JSON.stringify(text)).toEqual(tokenize13aReference(line));
      }
    }
  });

  it("matches the regex reference on every string of up to 5 units from a small alphabet", () => {
    const small = ["a", "1", ".", ",", "-", "(", " ", "\x1c"];
    const strings = [""];
    for (let len = 1; len <= 5; len++) {
      for (const prefix of strings.filter((x) => x.length === len - 1)) for (const c of small) strings.push(prefix + c);
    }
    for (const text of strings) expect(tokenize(text, "13a"), JSON.stringify(text)).toEqual(tokenize13aReference(pyRstrip(text)));
  });
});
