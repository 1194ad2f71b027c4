/**
 * Tails of the Kolmogorov-Smirnov statistics, as scipy.stats.kstwobign.sf (the limit K(x) of
 * √n·D_n) and scipy.stats.kstwo.sf (D_n for a sample of n, after Simard & L'Ecuyer 2011: the
 * Durbin matrix of Marsaglia-Tsang-Wang, Pomeranz's recursion, the Pelz-Good expansion and the
 * exact one-sided Smirnov sum, each where scipy's _ksstats uses it). ./kolmogorov-exact.ts has the
 * first two.
 */
import { durbinMatrixCdf, pomeranzCdf } from "./kolmogorov-exact";

/** exp() of anything below this underflows (cephes' MINLOG) */
const MIN_LOG = -708.3964185322641;
const EPS = 2 ** -52;

/** scipy.stats.kstwobign.sf(x) = scipy.special.kolmogorov(x): P(K > x) of the Kolmogorov distribution. */
export function kstwobignSf(x: number): number {
  if (Number.isNaN(x)) return x;
  // below this, 1 - sf underflows: the series' first term is exp(-π²/8x²) < e^-746
  if (x <= Math.PI / Math.sqrt(8 * 746)) return 1;
  if (x <= 0.82) {
    // K(x) = √(2π)/x Σ_k exp(-(2k-1)² π² / (8x²)): the cdf, converging fast for small x
    const q = -(Math.PI * Math.PI) / (8 * x * x);
    let cdf = 0;
    for (let k = 1; k < 50; k++) {
      const term = Math.exp((2 * k - 1) ** 2 * q);
      cdf += term;
      if (term <= cdf * EPS) break;
    }
    cdf *= Math.sqrt(2 * Math.PI) / x;
    return Math.min(Math.max(1 - cdf, 0), 1);
  }
  // 1 - K(x) = 2 Σ_k (-1)^(k-1) exp(-2k²x²)
  const q = -2 * x * x;
  let sf = 0;
  for (let k = 1; k < 50; k++) {
    const term = Math.exp(k * k * q);
    sf += k % 2 ? term : -term;
    if (term <= Math.abs(sf) * EPS) break;
  }
  return Math.min(Math.max(2 * sf, 0), 1);
}

/** floor(n·x) and its fractional part, exact (the product's rounding error is carried separately). */
function floorProduct(n: number, x: number): { fl: number; alpha: number } {
  const p = n * x;
  const split = (v: number) => {
    const c = 134217729 * v;
    const hi = c - (c - v);
    return [hi, v - hi] as const;
  };
  const [nh, nl] = split(n);
  const [xh, xl] = split(x);
  const err = nh * xh - p + nh * xl + nl * xh + nl * xl;
  let fl = Math.floor(p);
  let alpha = p - fl + err;
  if (alpha < 0) {
    fl -= 1;
    alpha += 1;
  }
  if (alpha >= 1) {
    fl += 1;
    alpha = 0;
  }
  return { fl, alpha };
}

/**
 * One-sided Smirnov survival function P(D+_n >= x) (scipy.special.smirnov(n, x)): the
 * Birnbaum-Tingey sum x Σ_v C(n,v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v), v <= n(1-x), whose terms
 * are all positive; each is summed in logs so that tails near 1e-300 keep their relative accuracy.
 */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1) || !Number.isInteger(n)) return Number.NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const { fl: nxfl, alpha } = floorProduct(n, x);
  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    // x <= 1/n: cdf = x (1 + x)^(n-1)
    return 1 - x * Math.exp((n - 1) * Math.log1p(x));
  }
  if (-2 * n * x * x < MIN_LOG) return 0;
  if (nxfl >= n - 1) return Math.exp(n * Math.log1p(-x)); // x >= 1 - 1/n: (1 - x)^n
  if (n > 1_000_000) {
    // too many terms: the asymptotic e^(-(6nx+1)²/18n)
    const logp = -((6 * n * x + 1) ** 2) / 18 / n;
    return logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp);
  }
  // v runs over 0 .. n - floor(nx) - 1 (whether or not nx is an integer)
  const nTerms = n - nxfl;
  // n·x as hi + lo so that 1 - x - v/n = ((n - v) - n·x)/n keeps its relative accuracy near 0
  const nxHi = n * x;
  const c = 134217729 * x;
  const xh = c - (c - x);
  const xl = x - xh;
  const nxLo = n * xh - nxHi + n * xl;
  const logX = Math.log(x);
  // running sum as s · e^m
  let m = n * Math.log1p(-x) - logX; // v = 0: (1 - x)^n / x
  let s = 1;
  // ln C(n, v), Kahan-compensated: it climbs to ~n ln 2 over up to n steps, and a plain sum would
  // drift by 1e-8 relative at n = 500,000
  let logC = 0;
  let logCErr = 0;
  for (let v = 1; v < nTerms; v++) {
    const inc = Math.log((n - v + 1) / v) - logCErr;
    const next = logC + inc;
    logCErr = next - logC - inc;
    logC = next;
    const up = (nxHi + v + nxLo) / n; // x + v/n
    const down = (n - v - nxHi - nxLo) / n; // 1 - x - v/n
    const lt = logC + (v - 1) * Math.log(up) + (n - v) * Math.log(down);
    if (lt > m) {
      s = s * Math.exp(m - lt) + 1;
      m = lt;
    } else s += Math.exp(lt - m);
    // stop once the rest cannot move the sum (cephes' criterion, in logs)
    if (v !== nTerms - 1 && Math.log(4 * (nTerms - v)) + lt < Math.log(EPS) + m + Math.log(s)) break;
  }
  return Math.min(Math.max(Math.exp(logX + m + Math.log(s)), 0), 1);
}

/** ln(n!/n^n) by Stirling's series (n > 140 here). */
function logFactorialOverPower(n: number): number {
  const r = 1 / n;
  const r2 = r * r;
  const corr = r * (1 / 12 + r2 * (-1 / 360 + r2 * (1 / 1260 + r2 * (-1 / 1680 + r2 * (1 / 1188)))));
  return 0.5 * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI) + corr;
}

/** Pelz-Good asymptotic expansion of P(D_n <= x) (Simard & L'Ecuyer's choice for n > 140). */
function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z3 = z2 * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const pi2 = Math.PI * Math.PI;
  const pi4 = pi2 * pi2;
  const pi6 = pi4 * pi2;
  const qlog = -pi2 / 8 / z2;
  if (qlog < -708) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = pi2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * pi2) / 4;
  const k2c = (pi4 * (1 - 2 * z2)) / 16;
  const k3d = (pi6 * (5 - 30 * z2)) / 64;
  const k3c = (pi4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (pi2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z4 * z4;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qp = q ** (8 * k);
    const coeffs = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
    for (let i = 0; i < 4; i++) K[i] = K[i]! * qp + coeffs[i]!;
  }
  const sqrt2pi = Math.sqrt(2 * Math.PI);
  const div = [z, 6 * z4, 72 * z4 * z3, 6480 * z4 * z6];
  for (let i = 0; i < 4; i++) K[i] = (K[i]! * q * sqrt2pi) / div[i]!;
  q = Math.exp(-pi2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxk; k > 0; k--) {
    const qk = q ** (k * k);
    const kpi = Math.PI * k;
    k2extra += k * k * qk;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k * k * qk;
  }
  K[2] = K[2]! + (k2extra * pi2 * sqrt2pi) / (-36 * z3);
  K[3] = K[3]! + (k3extra * pi2 * sqrt2pi) / (216 * z6);
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += K[i]! / n ** (i / 2);
  return sum;
}

const clip = (p: number) => Math.min(Math.max(p, 0), 1);

/**
 * scipy.stats.kstwo.sf(x, n): P(D_n > x) for the two-sided statistic D_n of a sample of n
 * (n a positive integer; NaN otherwise).
 */
export function kstwoSf(x: number, n: number): number {
  if (Number.isNaN(x) || Number.isNaN(n) || !(n >= 1) || !Number.isInteger(n)) return Number.NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    // Ruben-Gambino: cdf = n!/n^n (2t - 1)^n for 1/2n <= x <= 1/n
    if (t <= 0.5) return 1;
    let prob: number;
    if (n <= 140) {
      prob = 1;
      for (let i = 1; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1);
    } else prob = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    return clip(1 - prob);
  }
  if (t >= n - 1) return clip(2 * (1 - x) ** n);
  if (x >= 0.5) return clip(2 * smirnovSf(n, x));
  const nxx = t * x;
  if (n <= 140) {
    if (nxx <= 0.754693) return clip(1 - durbinMatrixCdf(n, x));
    if (nxx <= 4) return clip(1 - pomeranzCdf(n, x));
    return clip(2 * smirnovSf(n, x));
  }
  if (nxx >= 370) return 0;
  if (nxx >= 2.2) return clip(2 * smirnovSf(n, x));
  const cdf = n <= 100000 && n * x ** 1.5 <= 1.4 ? durbinMatrixCdf(n, x) : pelzGoodCdf(n, x);
  return clip(1 - cdf);
}
