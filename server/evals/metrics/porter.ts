/**
 * The Porter stemmer exactly as nltk 3.8.1's `PorterStemmer()` in its default NLTK_EXTENSIONS mode,
 * which Google rouge-score uses for `use_stemmer=True`. Rule order, the "first suffix that matches
 * decides, even when its condition fails" rule of `_apply_rule_list`, and every NLTK departure
 * (irregular forms, `ies`/`ied` on 4-letter words, the `y` -> `i` rule, `alli` first, `fulli`,
 * `logi`, the 2-letter `*o` case) follow nltk's source. Input is expected in lower case (the
 * rouge tokenizer lowercases first); like nltk's `stem()` we lowercase anyway.
 */

type Rule = readonly [suffix: string, replacement: string, condition: ((stem: string) => boolean) | null];

/** nltk's irregular-form table (NLTK_EXTENSIONS only): word -> stem, bypassing the algorithm. */
const POOL: ReadonlyMap<string, string> = new Map([
  ["sky", "sky"],
  ["skies", "sky"],
  ["dying", "die"],
  ["lying", "lie"],
  ["tying", "tie"],
  ["news", "news"],
  ["innings", "inning"],
  ["inning", "inning"],
  ["outings", "outing"],
  ["outing", "outing"],
  ["cannings", "canning"],
  ["canning", "canning"],
  ["howe", "howe"],
  ["proceed", "proceed"],
  ["exceed", "exceed"],
  ["succeed", "succeed"],
]);

const isVowelLetter = (ch: string | undefined): boolean => ch === "a" || ch === "e" || ch === "i" || ch === "o" || ch === "u";

/**
 * nltk `_is_consonant`: not a/e/i/o/u, and `y` is a consonant at 0 or after a vowel. nltk recurses
 * backwards through runs of `y`; this walks the run iteratively (same answer, no deep recursion).
 */
function isConsonant(word: string, i: number): boolean {
  const ch = word[i];
  if (isVowelLetter(ch)) return false;
  if (ch !== "y") return true;
  // y: consonant iff the previous letter is not a consonant; alternate back through a run of y.
  let j = i;
  let flips = 0;
  while (j > 0 && word[j - 1] === "y") {
    j--;
    flips++;
  }
  // word[j] is the first y of the run: consonant if j == 0, else iff word[j-1] is a vowel
  // (word[j-1] is not y, so it is a consonant iff it is not a vowel letter).
  const firstIsConsonant = j === 0 ? true : isVowelLetter(word[j - 1]);
  return flips % 2 === 0 ? firstIsConsonant : !firstIsConsonant;
}

/** nltk `_measure`: the number of "vc" pairs in the consonant/vowel pattern, Porter's m. */
function measure(stem: string): number {
  let m = 0;
  let prevVowel = false;
  for (let i = 0; i < stem.length; i++) {
    const cons = isConsonant(stem, i);
    if (cons && prevVowel) m++;
    prevVowel = !cons;
  }
  return m;
}

const hasPositiveMeasure = (stem: string): boolean => measure(stem) > 0;
const measureGt1 = (stem: string): boolean => measure(stem) > 1;

function containsVowel(stem: string): boolean {
  for (let i = 0; i < stem.length; i++) if (!isConsonant(stem, i)) return true;
  return false;
}

/** Condition *d: ends with a double consonant. */
function endsDoubleConsonant(word: string): boolean {
  const n = word.length;
  return n >= 2 && word[n - 1] === word[n - 2] && isConsonant(word, n - 1);
}

/** Condition *o: ends consonant-vowel-consonant, the last not w/x/y; NLTK also accepts a 2-letter "vc". */
function endsCvc(word: string): boolean {
  const n = word.length;
  const last = word[n - 1];
  return (
    (n >= 3 &&
      isConsonant(word, n - 3) &&
      !isConsonant(word, n - 2) &&
      isConsonant(word, n - 1) &&
      last !== "w" &&
      last !== "x" &&
      last !== "y") ||
    (n === 2 && !isConsonant(word, 0) && isConsonant(word, 1))
  );
}

/** nltk `_apply_rule_list`: the first rule whose suffix matches decides, whether or not its condition holds. */
function applyRuleList(word: string, rules: readonly Rule[]): string {
  for (const [suffix, replacement, condition] of rules) {
    if (suffix === "*d" && endsDoubleConsonant(word)) {
      const stem = word.slice(0, -2);
      return condition === null || condition(stem) ? stem + replacement : word;
    }
    if (word.endsWith(suffix)) {
      const stem = suffix === "" ? word : word.slice(0, -suffix.length);
      return condition === null || condition(stem) ? stem + replacement : word;
    }
  }
  return word;
}

const STEP1A: readonly Rule[] = [
  ["sses", "ss", null],
  ["ies", "i", null],
  ["ss", "ss", null],
  ["s", "", null],
];

function step1a(word: string): string {
  if (word.endsWith("ies") && word.length === 4) return `${word.slice(0, -3)}ie`;
  return applyRuleList(word, STEP1A);
}

function step1b(word: string): string {
  if (word.endsWith("ied")) return word.slice(0, -3) + (word.length === 4 ? "ie" : "i");
  if (word.endsWith("eed")) {
    const stem = word.slice(0, -3);
    return measure(stem) > 0 ? `${stem}ee` : word;
  }
  let intermediate: string | null = null;
  for (const suffix of ["ed", "ing"]) {
    if (word.endsWith(suffix)) {
      const stem = word.slice(0, -suffix.length);
      if (containsVowel(stem)) {
        intermediate = stem;
        break;
      }
    }
  }
  if (intermediate === null) return word;
  const last = intermediate[intermediate.length - 1] ?? "";
  return applyRuleList(intermediate, [
    ["at", "ate", null],
    ["bl", "ble", null],
    ["iz", "ize", null],
    ["*d", last, () => last !== "l" && last !== "s" && last !== "z"],
    ["", "e", (stem) => measure(stem) === 1 && endsCvc(stem)],
  ]);
}

function step1c(word: string): string {
  // NLTK: y -> i when preceded by a consonant that is not the whole stem.
  return applyRuleList(word, [["y", "i", (stem) => stem.length > 1 && isConsonant(stem, stem.length - 1)]]);
}

const STEP2_BASE: readonly Rule[] = [
  ["ational", "ate", hasPositiveMeasure],
  ["tional", "tion", hasPositiveMeasure],
  ["enci", "ence", hasPositiveMeasure],
  ["anci", "ance", hasPositiveMeasure],
  ["izer", "ize", hasPositiveMeasure],
  ["bli", "ble", hasPositiveMeasure],
  ["alli", "al", hasPositiveMeasure],
  ["entli", "ent", hasPositiveMeasure],
  ["eli", "e", hasPositiveMeasure],
  ["ousli", "ous", hasPositiveMeasure],
  ["ization", "ize", hasPositiveMeasure],
  ["ation", "ate", hasPositiveMeasure],
  ["ator", "ate", hasPositiveMeasure],
  ["alism", "al", hasPositiveMeasure],
  ["iveness", "ive", hasPositiveMeasure],
  ["fulness", "ful", hasPositiveMeasure],
  ["ousness", "ous", hasPositiveMeasure],
  ["aliti", "al", hasPositiveMeasure],
  ["iviti", "ive", hasPositiveMeasure],
  ["biliti", "ble", hasPositiveMeasure],
  ["fulli", "ful", hasPositiveMeasure],
];

function step2(word: string): string {
  // NLTK: ALLI -> AL is tried first and, when it applies, step 2 runs again on the result.
  if (word.endsWith("alli") && hasPositiveMeasure(word.slice(0, -4))) return step2(`${word.slice(0, -4)}al`);
  // The 'l' of logi -> log stays with the stem: the condition is on word[:-3], not the stripped stem.
  return applyRuleList(word, [...STEP2_BASE, ["logi", "log", () => hasPositiveMeasure(word.slice(0, -3))]]);
}

const STEP3: readonly Rule[] = [
  ["icate", "ic", hasPositiveMeasure],
  ["ative", "", hasPositiveMeasure],
  ["alize", "al", hasPositiveMeasure],
  ["iciti", "ic", hasPositiveMeasure],
  ["ical", "ic", hasPositiveMeasure],
  ["ful", "", hasPositiveMeasure],
  ["ness", "", hasPositiveMeasure],
];

const STEP4: readonly Rule[] = [
  ["al", "", measureGt1],
  ["ance", "", measureGt1],
  ["ence", "", measureGt1],
  ["er", "", measureGt1],
  ["ic", "", measureGt1],
  ["able", "", measureGt1],
  ["ible", "", measureGt1],
  ["ant", "", measureGt1],
  ["ement", "", measureGt1],
  ["ment", "", measureGt1],
  ["ent", "", measureGt1],
  ["ion", "", (stem) => measure(stem) > 1 && (stem.endsWith("s") || stem.endsWith("t"))],
  ["ou", "", measureGt1],
  ["ism", "", measureGt1],
  ["ate", "", measureGt1],
  ["iti", "", measureGt1],
  ["ous", "", measureGt1],
  ["ive", "", measureGt1],
  ["ize", "", measureGt1],
];

function step5a(word: string): string {
  // Both E rules are tried (unlike _apply_rule_list): (m>1) E -> ; (m=1 and not *o) E -> .
  if (word.endsWith("e")) {
    const stem = word.slice(0, -1);
    const m = measure(stem);
    if (m > 1) return stem;
    if (m === 1 && !endsCvc(stem)) return stem;
  }
  return word;
}

function step5b(word: string): string {
  return applyRuleList(word, [["ll", "l", () => measure(word.slice(0, -1)) > 1]]);
}

/** Stem one word like nltk 3.8.1 `PorterStemmer().stem(word)` (NLTK_EXTENSIONS, to_lowercase=True). */
export function porterStem(word: string): string {
  const lower = word.toLowerCase();
  // nltk looks the original word up in the pool (identical to `lower` for rouge's lowercased tokens).
  const irregular = POOL.get(word);
  if (irregular !== undefined) return irregular;
  if (word.length <= 2) return lower;
  let stem = step1a(lower);
  stem = step1b(stem);
  stem = step1c(stem);
  stem = step2(stem);
  stem = applyRuleList(stem, STEP3);
  stem = applyRuleList(stem, STEP4);
  stem = step5a(stem);
  return step5b(stem);
}

const memo = new Map<string, string>();
const MEMO_LIMIT = 200_000;

/** `porterStem` memoized per process (a vocabulary is small next to the token stream); bounded so it cannot grow without limit. */
export function porterStemCached(word: string): string {
  let stem = memo.get(word);
  if (stem === undefined) {
    stem = porterStem(word);
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(word, stem);
  }
  return stem;
}
