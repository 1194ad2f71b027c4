/**
 * Inter-rater agreement for annotation queues. Pure functions, no I/O.
 *
 * Categories are compared with SameValueZero (Map keys): `1`, `"1"` and `true` are three different
 * categories. Both statistics are 1 for perfect agreement, 0 for agreement at chance level and
 * negative for systematic disagreement.
 */

export type Category = string | number | boolean;
export type AlphaLevel = "nominal" | "interval" | "ordinal";

/**
 * Cohen's kappa for exactly two raters over nominal categories: κ = (po − pe) / (1 − pe), where
 * po is the observed share of agreeing pairs and pe = Σ_k pA(k)·pB(k) the agreement expected from
 * each rater's own marginal distribution.
 *
 * Returns null when there are no pairs. When pe = 1 the ratio is 0/0: that happens only when both
 * raters used one and the same category for every item, which is perfect agreement, so by
 * convention the result is 1 (some libraries return NaN here instead).
 */
export function cohensKappa(pairs: ReadonlyArray<readonly [Category, Category]>): number | null {
  const n = pairs.length;
  if (n === 0) return null;
  const a = new Map<Category, number>();
  const b = new Map<Category, number>();
  let agree = 0;
  for (const [x, y] of pairs) {
    a.set(x, (a.get(x) ?? 0) + 1);
    b.set(y, (b.get(y) ?? 0) + 1);
    if (Object.is(x, y) || x === y) agree++;
  }
  const po = agree / n;
  let pe = 0;
  for (const [k, countA] of a) pe += (countA / n) * ((b.get(k) ?? 0) / n);
  // Exact check rather than a float comparison: pe is 1 exactly when both used the same single category.
  if (a.size === 1 && b.size === 1 && a.keys().next().value === b.keys().next().value) return 1;
  return (po - pe) / (1 - pe);
}

/** Numeric value of a rating for interval/ordinal levels: finite numbers, booleans as 0/1. */
function numeric(v: Category, level: AlphaLevel): number {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number" && Number.isFinite(v)) return v;
  throw new TypeError(`Krippendorff's alpha at the ${level} level needs finite numbers, got ${JSON.stringify(v)}`);
}

/**
 * Krippendorff's alpha via the coincidence matrix (Krippendorff 2011, "Computing Krippendorff's
 * Alpha-Reliability"):
 *
 *   o_ck = Σ_u (number of c-k pairs of values within unit u) / (m_u − 1)   (ordered pairs, i ≠ j)
 *   n_c = Σ_k o_ck,  n = Σ_c n_c   (n = number of pairable values)
 *   α = 1 − (n − 1) · Σ_ck o_ck δ²(c,k) / Σ_ck n_c n_k δ²(c,k)
 *
 * with δ² = 0/1 (nominal), (c − k)² (interval) and, for ordinal, (Σ_{g=c..k} n_g − (n_c + n_k)/2)²
 * over the sorted distinct values g between c and k inclusive.
 *
 * `units[u]` holds the values the raters gave item u, in any rater order; null entries are missing
 * and ignored. Units left with fewer than 2 values are not pairable and dropped. Returns null when no
 * value is pairable, or when expected disagreement D_e is 0 (every pairable value is the same, so
 * there is no variation to be reliable about and α is 0/0). Interval and ordinal levels throw a
 * TypeError on a non-numeric value.
 */
export function krippendorffsAlpha(units: ReadonlyArray<ReadonlyArray<Category | null>>, level: AlphaLevel): number | null {
  // Per pairable unit: how many times each category occurs (n_uc), and m_u.
  const counted: { counts: Map<Category, number>; m: number }[] = [];
  const totals = new Map<Category, number>(); // n_c: each pairable value counts once
  for (const unit of units) {
    const values = unit.filter((v): v is Category => v !== null && v !== undefined);
    if (values.length < 2) continue;
    const counts = new Map<Category, number>();
    for (const v of values) {
      const key = level === "nominal" ? v : numeric(v, level);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      totals.set(key, (totals.get(key) ?? 0) + 1);
    }
    counted.push({ counts, m: values.length });
  }
  const n = [...totals.values()].reduce((s, x) => s + x, 0);
  if (n === 0) return null;

  const delta2 = differenceFunction(level, totals);
  // Observed: Σ_ck o_ck δ²; pairs of equal values have δ² = 0 for every level, so only c ≠ k counts.
  let observed = 0;
  for (const { counts, m } of counted) {
    const entries = [...counts];
    for (const [c, nc] of entries) for (const [k, nk] of entries) if (c !== k) observed += (nc * nk * delta2(c, k)) / (m - 1);
  }
  let expected = 0;
  const margins = [...totals];
  for (const [c, nc] of margins) for (const [k, nk] of margins) if (c !== k) expected += nc * nk * delta2(c, k);
  if (expected === 0) return null;
  return 1 - ((n - 1) * observed) / expected;
}

/** δ²(c, k) for the level; `totals` are the n_c margins (the ordinal metric depends on them). */
function differenceFunction(level: AlphaLevel, totals: Map<Category, number>): (c: Category, k: Category) => number {
  if (level === "nominal") return (c, k) => (c === k ? 0 : 1);
  if (level === "interval") return (c, k) => ((c as number) - (k as number)) ** 2;
  // Ordinal: cumulative margins over the sorted distinct values, so Σ_{g=c..k} n_g = cum[hi] − cum[lo − 1].
  const sorted = [...totals.keys()].map(Number).sort((x, y) => x - y);
  const rank = new Map(sorted.map((v, i) => [v, i]));
  const cumulative: number[] = [];
  let running = 0;
  for (const v of sorted) {
    running += totals.get(v) ?? 0;
    cumulative.push(running);
  }
  return (c, k) => {
    const [lo, hi] = [rank.get(c as number) ?? 0, rank.get(k as number) ?? 0].sort((x, y) => x - y) as [number, number];
    const between = (cumulative[hi] ?? 0) - (lo > 0 ? (cumulative[lo - 1] ?? 0) : 0);
    const d = between - ((totals.get(c) ?? 0) + (totals.get(k) ?? 0)) / 2;
    return d * d;
  };
}
