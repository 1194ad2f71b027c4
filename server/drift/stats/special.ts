/**
 * Special functions for the drift tests, accurate to a few ulps relative error in the far tails
 * (p-values down to the smallest doubles): log-gamma, the regularised incomplete gamma functions
 * (chi-square tails), erfc and the normal CDF. Our own series and continued fractions; the
 * reference is scipy.special (cephes), matched to 1e-7 relative by the fixtures in
 * test/fixtures/drift/reference.json.
 */

const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const EPS = 2 ** -52;

/** Stirling's series: lnΓ(a) - [(a - 1/2) ln a - a + ln √(2π)], for a >= 10 (8 Bernoulli terms: error < 1e-17). */
function stirlingCorrection(a: number): number {
  const r = 1 / a;
  const r2 = r * r;
  // B_2k / (2k (2k-1)) for k = 1..8, innermost last
  return (
    r *
    (1 / 12 +
      r2 *
        (-1 / 360 + r2 * (1 / 1260 + r2 * (-1 / 1680 + r2 * (1 / 1188 + r2 * (-691 / 360360 + r2 * (1 / 156 + r2 * (-3617 / 122400))))))))
  );
}

/** ln Γ(a) for a > 0 (NaN otherwise). */
export function lgamma(a: number): number {
  if (!(a > 0)) return Number.NaN;
  if (a === Number.POSITIVE_INFINITY) return a;
  if (a >= 10) return (a - 0.5) * Math.log(a) - a + LN_SQRT_2PI + stirlingCorrection(a);
  if (Number.isInteger(2 * a)) {
    // an integer or half-integer (chi-square's df/2): Γ as its product, exact to an ulp or two
    const whole = Number.isInteger(a);
    let g = whole ? 1 : Math.sqrt(Math.PI);
    for (let b = whole ? 1 : 0.5; b < a; b++) g *= b;
    return Math.log(g);
  }
  // shift up: Γ(a) = Γ(a + k) / (a (a+1) ... (a+k-1)); the product stays far from overflow (< 20^10)
  let prod = 1;
  let b = a;
  while (b < 10) prod *= b++;
  return (b - 0.5) * Math.log(b) - b + LN_SQRT_2PI + stirlingCorrection(b) - Math.log(prod);
}

/** ln(x^a e^-x / Γ(a)), the prefactor of both incomplete gamma expansions, without cancellation for a ~ x. */
function logGammaPrefactor(a: number, x: number): number {
  if (a < 10) return a * Math.log(x) - x - lgamma(a);
  // a ln x - x - lnΓ(a) = a (ln(1+t) - t) + ln √(a/2π) - stirling(a), t = (x - a)/a
  const t = (x - a) / a;
  return a * (Math.log1p(t) - t) + 0.5 * Math.log(a / (2 * Math.PI)) - stirlingCorrection(a);
}

/** P(a, x) by its power series (converges for any x; used for x < a + 1). */
function lowerSeries(a: number, x: number): number {
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 10_000_000; k++) {
    term *= x / (a + k);
    sum += term;
    if (term < sum * EPS) break;
  }
  return Math.exp(logGammaPrefactor(a, x)) * (sum / a);
}

/** Q(a, x) by Legendre's continued fraction, modified Lentz (used for x >= a + 1). */
function upperFraction(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  const lp = logGammaPrefactor(a, x);
  // h can be large where the prefactor underflows alone: combine in logs
  return Math.exp(lp + Math.log(h));
}

/** Regularised upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a) (scipy.special.gammaincc). */
export function gammaincc(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || x < 0 || a < 0) return Number.NaN;
  if (a === 0) return x > 0 ? 0 : Number.NaN;
  if (x === 0) return 1;
  if (a === Number.POSITIVE_INFINITY) return x === Number.POSITIVE_INFINITY ? Number.NaN : 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  return x < a + 1 ? 1 - lowerSeries(a, x) : upperFraction(a, x);
}

/** Regularised lower incomplete gamma P(a, x) (scipy.special.gammainc). */
export function gammainc(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || x < 0 || a < 0) return Number.NaN;
  if (a === 0) return x > 0 ? 1 : Number.NaN;
  if (x === 0) return 0;
  if (a === Number.POSITIVE_INFINITY) return x === Number.POSITIVE_INFINITY ? Number.NaN : 0;
  if (x === Number.POSITIVE_INFINITY) return 1;
  return x < a + 1 ? lowerSeries(a, x) : 1 - upperFraction(a, x);
}

/**
 * Chi-square survival function, scipy.stats.chi2.sf(x, df): 1 for x <= 0, NaN for df < 0. df = 0
 * follows scipy.special.chdtrc (0 for x > 0, NaN at 0), which is what chisquare() meets with one
 * category.
 */
export function chi2Sf(x: number, df: number): number {
  if (Number.isNaN(x) || Number.isNaN(df) || df < 0) return Number.NaN;
  if (df === 0) return x > 0 ? 0 : Number.NaN;
  if (x <= 0) return 1;
  return gammaincc(df / 2, x / 2);
}

/** Veltkamp split: the exact error of x*x, so that exp(-x²) keeps full relative accuracy for large x. */
function expMinusSquare(x: number): number {
  const xx = x * x;
  const c = 134217729 * x; // 2^27 + 1
  const hi = c - (c - x);
  const lo = x - hi;
  const err = hi * hi - xx + 2 * hi * lo + lo * lo;
  return Math.exp(-xx) * Math.exp(-err);
}

/** erfc(x) with full relative accuracy for large x (it underflows past x ≈ 26.5, as in cephes). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2.5) {
    // erf(x) = 2/√π e^{-x²} Σ (2x²)^n x / (1·3·…·(2n+1)): all terms positive, no cancellation
    const x2 = 2 * x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 500; n++) {
      term *= x2 / (2 * n + 1);
      sum += term;
      if (term < sum * EPS) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
  }
  if (x > 27.3) return 0; // exp(-x²) underflows even as a subnormal
  // erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), modified Lentz
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let i = 1; i < 5000; i++) {
    const an = i / 2;
    d = x + an * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = x + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return expMinusSquare(x) / Math.sqrt(Math.PI) / f;
}

/** Standard normal CDF, scipy.stats.norm.cdf (ndtr). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x * Math.SQRT1_2);
}

/** Standard normal survival function, scipy.stats.norm.sf. */
export function normalSf(x: number): number {
  return 0.5 * erfc(x * Math.SQRT1_2);
}

/** x · 2^e without overflow or underflow in the power itself. */
export function ldexp(x: number, e: number): number {
  let r = x;
  let k = e;
  while (k > 1000) {
    r *= 2 ** 1000;
    k -= 1000;
  }
  while (k < -1000) {
    r *= 2 ** -1000;
    k += 1000;
  }
  return r * 2 ** k;
}
