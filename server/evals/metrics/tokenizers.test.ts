import { describe, expect, it } from "vitest";
import { isPyWhitespace, NgramIndex, pyRstrip, pySplit, TOKENIZER_NAMES, tokenize, tokenizeToString } from "./tokenizers";

interface Golden {
  text: string;
  "13a": string[];
  intl: string[];
  char: string[];
  none: string[];
  "13a_lc": string[];
}

/** Token lists sacrebleu 2.6.0 gives (`BLEU(tokenize=...)._preprocess_segment(text).split()`). */
const GOLDEN: Golden[] = [
  {
    text: "Hello, world!",
    "13a": ["Hello", ",", "world", "!"],
    intl: ["Hello", ",", "world", "!"],
    char: ["H", "e", "l", "l", "o", ",", "w", "o", "r", "l", "d", "!"],
    none: ["Hello,", "world!"],
    "13a_lc": ["hello", ",", "world", "!"],
  },
  {
    text: "Pi is 3.14, about 1,000 km.",
    "13a": ["Pi", "is", "3.14", ",", "about", "1,000", "km", "."],
    intl: ["Pi", "is", "3.14", ",", "about", "1,000", "km", "."],
    char: ["P", "i", "i", "s", "3", ".", "1", "4", ",", "a", "b", "o", "u", "t", "1", ",", "0", "0", "0", "k", "m", "."],
    none: ["Pi", "is", "3.14,", "about", "1,000", "km."],
    "13a_lc": ["pi", "is", "3.14", ",", "about", "1,000", "km", "."],
  },
  {
    text: "It's a well-known e-mail: a@b.com (see [1]) & more",
    "13a": ["It's", "a", "well-known", "e-mail", ":", "a", "@", "b", ".", "com", "(", "see", "[", "1", "]", ")", "&", "more"],
    intl: [
      "It",
      "'",
      "s",
      "a",
      "well",
      "-",
      "known",
      "e",
      "-",
      "mail",
      ":",
      "a",
      "@",
      "b",
      ".",
      "com",
      "(",
      "see",
      "[",
      "1",
      "]",
      ")",
      "&",
      "more",
    ],
    char: [
      "I",
      "t",
      "'",
      "s",
      "a",
      "w",
      "e",
      "l",
      "l",
      "-",
      "k",
      "n",
      "o",
      "w",
      "n",
      "e",
      "-",
      "m",
      "a",
      "i",
      "l",
      ":",
      "a",
      "@",
      "b",
      ".",
      "c",
      "o",
      "m",
      "(",
      "s",
      "e",
      "e",
      "[",
      "1",
      "]",
      ")",
      "&",
      "m",
      "o",
      "r",
      "e",
    ],
    none: ["It's", "a", "well-known", "e-mail:", "a@b.com", "(see", "[1])", "&", "more"],
    "13a_lc": ["it's", "a", "well-known", "e-mail", ":", "a", "@", "b", ".", "com", "(", "see", "[", "1", "]", ")", "&", "more"],
  },
  {
    text: "1990-2000 costs $5.",
    "13a": ["1990", "-", "2000", "costs", "$", "5", "."],
    intl: ["1990-2000", "costs", "$", "5."],
    char: ["1", "9", "9", "0", "-", "2", "0", "0", "0", "c", "o", "s", "t", "s", "$", "5", "."],
    none: ["1990-2000", "costs", "$5."],
    "13a_lc": ["1990", "-", "2000", "costs", "$", "5", "."],
  },
  {
    text: "&quot;quoted&quot; &amp;lt; x &gt; y",
    "13a": ['"', "quoted", '"', "<", "x", ">", "y"],
    intl: ["&", "quot", ";", "quoted", "&", "quot", ";", "&", "amp", ";", "lt", ";", "x", "&", "gt", ";", "y"],
    char: [
      "&",
      "q",
      "u",
      "o",
      "t",
      ";",
      "q",
      "u",
      "o",
      "t",
      "e",
      "d",
      "&",
      "q",
      "u",
      "o",
      "t",
      ";",
      "&",
      "a",
      "m",
      "p",
      ";",
      "l",
      "t",
      ";",
      "x",
      "&",
      "g",
      "t",
      ";",
      "y",
    ],
    none: ["&quot;quoted&quot;", "&amp;lt;", "x", "&gt;", "y"],
    "13a_lc": ['"', "quoted", '"', "<", "x", ">", "y"],
  },
  {
    text: "line one-\nline two\nthree <skipped> four",
    "13a": ["line", "oneline", "two", "three", "four"],
    intl: ["line", "one", "-", "line", "two", "three", "<", "skipped", ">", "four"],
    char: [
      "l",
      "i",
      "n",
      "e",
      "o",
      "n",
      "e",
      "-",
      "l",
      "i",
      "n",
      "e",
      "t",
      "w",
      "o",
      "t",
      "h",
      "r",
      "e",
      "e",
      "<",
      "s",
      "k",
      "i",
      "p",
      "p",
      "e",
      "d",
      ">",
      "f",
      "o",
      "u",
      "r",
    ],
    none: ["line", "one-", "line", "two", "three", "<skipped>", "four"],
    "13a_lc": ["line", "oneline", "two", "three", "four"],
  },
  {
    text: "caf\u00e9 na\u00efve \u00c6r\u00f8sk\u00f8bing \u00c9COLE",
    "13a": ["caf\u00e9", "na\u00efve", "\u00c6r\u00f8sk\u00f8bing", "\u00c9COLE"],
    intl: ["caf\u00e9", "na\u00efve", "\u00c6r\u00f8sk\u00f8bing", "\u00c9COLE"],
    char: [
      "c",
      "a",
      "f",
      "\u00e9",
      "n",
      "a",
      "\u00ef",
      "v",
      "e",
      "\u00c6",
      "r",
      "\u00f8",
      "s",
      "k",
      "\u00f8",
      "b",
      "i",
      "n",
      "g",
      "\u00c9",
      "C",
      "O",
      "L",
      "E",
    ],
    none: ["caf\u00e9", "na\u00efve", "\u00c6r\u00f8sk\u00f8bing", "\u00c9COLE"],
    "13a_lc": ["caf\u00e9", "na\u00efve", "\u00e6r\u00f8sk\u00f8bing", "\u00e9cole"],
  },
  {
    text: "\u6771\u4eac\u306f\u300c\u6674\u308c\u300d\u3067\u3059\u3002",
    "13a": ["\u6771\u4eac\u306f\u300c\u6674\u308c\u300d\u3067\u3059\u3002"],
    intl: ["\u6771\u4eac\u306f", "\u300c", "\u6674\u308c", "\u300d", "\u3067\u3059", "\u3002"],
    char: ["\u6771", "\u4eac", "\u306f", "\u300c", "\u6674", "\u308c", "\u300d", "\u3067", "\u3059", "\u3002"],
    none: ["\u6771\u4eac\u306f\u300c\u6674\u308c\u300d\u3067\u3059\u3002"],
    "13a_lc": ["\u6771\u4eac\u306f\u300c\u6674\u308c\u300d\u3067\u3059\u3002"],
  },
  {
    text: "Great job \ud83d\udc4d\ud83c\udffd!! \ud83d\ude00",
    "13a": ["Great", "job", "\ud83d\udc4d\ud83c\udffd", "!", "!", "\ud83d\ude00"],
    intl: ["Great", "job", "\ud83d\udc4d", "\ud83c\udffd", "!", "!", "\ud83d\ude00"],
    char: ["G", "r", "e", "a", "t", "j", "o", "b", "\ud83d\udc4d", "\ud83c\udffd", "!", "!", "\ud83d\ude00"],
    none: ["Great", "job", "\ud83d\udc4d\ud83c\udffd!!", "\ud83d\ude00"],
    "13a_lc": ["great", "job", "\ud83d\udc4d\ud83c\udffd", "!", "!", "\ud83d\ude00"],
  },
  {
    text: "a\u001cb\u001fc\u0085d\u3000e\u00a0f",
    "13a": ["a", "b", "c", "d", "e", "f"],
    intl: ["a", "b", "c", "d", "e", "f"],
    char: ["a", "b", "c", "d", "e", "f"],
    none: ["a", "b", "c", "d", "e", "f"],
    "13a_lc": ["a", "b", "c", "d", "e", "f"],
  },
  {
    text: "zero\ufeffwidth",
    "13a": ["zero\ufeffwidth"],
    intl: ["zero\ufeffwidth"],
    char: ["z", "e", "r", "o", "\ufeff", "w", "i", "d", "t", "h"],
    none: ["zero\ufeffwidth"],
    "13a_lc": ["zero\ufeffwidth"],
  },
  {
    text: "\u00bfQu\u00e9? \u00abOui\u00bb \u2014 non\u2026 50%",
    "13a": ["\u00bfQu\u00e9", "?", "\u00abOui\u00bb", "\u2014", "non\u2026", "50", "%"],
    intl: ["\u00bf", "Qu\u00e9", "?", "\u00ab", "Oui", "\u00bb", "\u2014", "non", "\u2026", "50%"],
    char: ["\u00bf", "Q", "u", "\u00e9", "?", "\u00ab", "O", "u", "i", "\u00bb", "\u2014", "n", "o", "n", "\u2026", "5", "0", "%"],
    none: ["\u00bfQu\u00e9?", "\u00abOui\u00bb", "\u2014", "non\u2026", "50%"],
    "13a_lc": ["\u00bfqu\u00e9", "?", "\u00aboui\u00bb", "\u2014", "non\u2026", "50", "%"],
  },
  {
    text: "\u039f\u0394\u039f\u03a3 \u0130stanbul",
    "13a": ["\u039f\u0394\u039f\u03a3", "\u0130stanbul"],
    intl: ["\u039f\u0394\u039f\u03a3", "\u0130stanbul"],
    char: ["\u039f", "\u0394", "\u039f", "\u03a3", "\u0130", "s", "t", "a", "n", "b", "u", "l"],
    none: ["\u039f\u0394\u039f\u03a3", "\u0130stanbul"],
    "13a_lc": ["\u03bf\u03b4\u03bf\u03c2", "i\u0307stanbul"],
  },
  {
    text: "year 2020.",
    "13a": ["year", "2020", "."],
    intl: ["year", "2020."],
    char: ["y", "e", "a", "r", "2", "0", "2", "0", "."],
    none: ["year", "2020."],
    "13a_lc": ["year", "2020", "."],
  },
  {
    text: "x,y.z",
    "13a": ["x", ",", "y", ".", "z"],
    intl: ["x", ",", "y", ".", "z"],
    char: ["x", ",", "y", ".", "z"],
    none: ["x,y.z"],
    "13a_lc": ["x", ",", "y", ".", "z"],
  },
  { text: "", "13a": [], intl: [], char: [], none: [], "13a_lc": [] },
];

describe("tokenizers match sacrebleu 2.6.0", () => {
  for (const g of GOLDEN) {
    it(`tokenizes ${JSON.stringify(g.text)}`, () => {
      for (const name of TOKENIZER_NAMES) expect(tokenize(g.text, name), name).toEqual(g[name]);
      expect(tokenize(g.text, "13a", { lowercase: true }), "13a lowercase").toEqual(g["13a_lc"]);
    });
  }
});

describe("tokenizer details", () => {
  it("splits emoji modifiers apart only in intl", () => {
    expect(tokenizeToString("👍🏽", "intl")).toBe("👍 🏽");
    expect(tokenizeToString("👍🏽", "13a")).toBe("👍🏽");
    expect(tokenize("👍🏽", "char")).toEqual(["👍", "🏽"]);
  });

  it("keeps decimal and thousands separators inside numbers (13a and intl)", () => {
    for (const name of ["13a", "intl"] as const) {
      expect(tokenize("3.14 1,000", name)).toEqual(["3.14", "1,000"]);
    }
    expect(tokenize("5.", "13a")).toEqual(["5", "."]);
    expect(tokenize("5.", "intl")).toEqual(["5."]);
  });

  it("uses Python whitespace rules", () => {
    for (const c of [0x09, 0x0a, 0x0d, 0x1c, 0x1f, 0x20, 0x85, 0xa0, 0x2028, 0x3000]) expect(isPyWhitespace(c), c.toString(16)).toBe(true);
    for (const c of [0x41, 0x1b, 0x200b, 0xfeff, 0x180e]) expect(isPyWhitespace(c), c.toString(16)).toBe(false);
    expect(pySplit("  a\x1cb\ufeffc  ")).toEqual(["a", "b\ufeffc"]);
    expect(pySplit("")).toEqual([]);
    expect(pyRstrip("a \x85\n")).toBe("a");
  });

  it("rejects an unknown tokenizer", () => {
    expect(() => tokenize("x", "zh" as never)).toThrow(/Unknown tokenizer/);
  });

  it("gives equal n-grams equal ids across sequences", () => {
    const index = new NgramIndex();
    index.clear();
    index.addWords(["a", "b", "a", "b"]);
    index.addWords(["b", "a", "b"]);
    index.ready();
    const ids = (s: number) => Array.from(index.cur.subarray(index.start(s), index.start(s) + index.length(s)));
    expect(index.size).toBe(2);
    expect(ids(0)).toEqual([0, 1, 0, 1]);
    index.next();
    expect(ids(0)).toEqual([0, 1, 0]);
    expect(ids(1)).toEqual([1, 0]);
    index.next();
    expect(index.size).toBe(2);
    expect(ids(1)).toEqual([1]);
    index.next();
    expect(index.length(1)).toBe(0);
    expect(ids(0)).toEqual([0]);
  });

  it("drops Python whitespace from characters and keeps astral code points whole", () => {
    const index = new NgramIndex();
    index.clear();
    index.addChars("a 👍\x1cá👍", false);
    index.ready();
    expect(index.length(0)).toBe(4);
    expect(Array.from(index.cur.subarray(0, 4))).toEqual([0, 1, 2, 1]);
  });

  it("tokenizes a 10k-token text", () => {
    const text = Array.from({ length: 10_000 }, (_, i) => (i % 10 === 0 ? "3.14," : `word${i % 97}`)).join(" ");
    for (const name of TOKENIZER_NAMES) expect(tokenize(text, name).length).toBeGreaterThanOrEqual(10_000);
  });
});
