#!/usr/bin/env python3
"""Reference values for server/drift/stats: writes test/fixtures/drift/reference.json.

Run from the repository root with numpy and scipy installed (the fixture was made with scipy 1.17.1
and numpy 2.4.6): `python3 scripts/drift-reference.py`. Evidently is not installable here, so its
few legacy formulas (stattests/*.py, utils.get_binned_data, registry._get_default_stattest) are
re-written below in numpy exactly as Evidently writes them, on the expanded samples.
Seeded: the output is reproducible.
"""

import json
import math
import os
import sys
import warnings
from collections import Counter

import numpy as np
import scipy
from scipy import stats
from scipy.spatial import distance

warnings.simplefilter("ignore")
rng = np.random.default_rng(20240611)
OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "drift", "reference.json")


def num(x):
    """JSON-safe float: non-finite as strings."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def r(xs, d=4):
    return [float(v) for v in np.round(np.asarray(xs, dtype=float), d)]


def summary(xs):
    v, c = np.unique(np.asarray(xs, dtype=float), return_counts=True)
    return {"values": [float(a) for a in v], "counts": [int(a) for a in c]}


def expand(s):
    return np.repeat(np.asarray(s["values"], dtype=float), np.asarray(s["counts"], dtype=int))


def expand_cat(d):
    return np.array([k for k, c in d.items() for _ in range(c)], dtype=object)


# ---------------------------------------------------------------- Kolmogorov-Smirnov
ks_cases = []


def ks(a, b, method="auto", note=""):
    res = stats.ks_2samp(a, b, method=method)
    ks_cases.append({"a": r(a, 6), "b": r(b, 6), "method": method, "statistic": num(res.statistic), "pvalue": num(res.pvalue), "note": note})


for n, m in [(5, 5), (8, 13), (20, 20), (30, 45), (50, 50), (60, 90), (100, 100), (120, 77), (200, 200), (250, 310), (333, 120)]:
    a = np.round(rng.normal(0, 1, n), 4)
    b = np.round(rng.normal(0.3, 1.2, m), 4)
    ks(a, b, note=f"normal {n}x{m}")
    ks(a, np.round(rng.normal(0, 1, m), 4), note=f"same distribution {n}x{m}")
for n, m in [(10, 10), (40, 60), (150, 150), (300, 200)]:
    ks(rng.integers(0, 5, n), rng.integers(0, 6, m), note=f"ties {n}x{m}")
    ks(rng.integers(0, 5, n), rng.integers(0, 6, m), method="asymp", note=f"ties asymp {n}x{m}")
    ks(rng.integers(0, 5, n), rng.integers(0, 6, m), method="exact", note=f"ties exact {n}x{m}")
for n, m in [(1, 1), (1, 7), (3, 200), (50, 50), (200, 200), (150, 250), (300, 299)]:
    a = np.round(rng.uniform(0, 1, n), 4)
    ks(a, a[: max(1, m // 2)] if m <= n else np.concatenate([a, a])[:m], note=f"overlapping {n}x{m}")
    ks(a, np.round(rng.uniform(2, 3, m), 4), note=f"disjoint {n}x{m}")
same = np.round(rng.normal(0, 1, 80), 4)
ks(same, same, note="identical")
ks(same, same, method="asymp", note="identical asymp")
for n, m in [(400, 600), (900, 1100)]:
    # integer-valued (ties) to keep the fixture small
    ks(np.round(rng.normal(0, 30, n)), np.round(rng.normal(3, 30, m)), method="asymp", note=f"asymp {n}x{m}")
    ks(np.round(rng.normal(0, 30, n)), np.round(rng.normal(2, 30, m)), method="exact", note=f"exact {n}x{m}")

# large samples through summaries (auto -> asymp past 10,000)
ks_summary_cases = []
for n, m, shift in [(12000, 9000, 0.0), (20000, 20000, 0.02), (50000, 30000, 0.05), (9000, 10000, 0.03), (15000, 11000, 1.5)]:
    a = np.round(rng.normal(0, 1, n), 1)
    b = np.round(rng.normal(shift, 1, m), 1)
    res = stats.ks_2samp(a, b)
    ks_summary_cases.append({"a": summary(a), "b": summary(b), "method": "auto", "statistic": num(res.statistic), "pvalue": num(res.pvalue)})

ks_stat_cases = []


def ks_from_statistic(d, n, m, method):
    """scipy's ks_2samp after the statistic (its code path, through its own private helper), for sizes too big to realise."""
    from scipy.stats._stats_py import _attempt_exact_2kssamp

    g = math.gcd(n, m)
    mode = method
    if mode == "auto":
        mode = "exact" if max(n, m) <= 10000 else "asymp"
    elif mode == "exact" and n // g >= np.iinfo(np.int32).max / (m // g):
        mode = "asymp"
    if mode == "exact":
        ok, d, p = _attempt_exact_2kssamp(n, m, g, d, "two-sided")
        if not ok:
            mode = "asymp"
    if mode == "asymp":
        big, small = sorted([float(n), float(m)], reverse=True)
        p = stats.kstwo.sf(d, np.round(big * small / (big + small)))
    return d, float(np.clip(p, 0, 1))


for n, m in [(10, 10), (7, 9), (100, 100), (100, 101), (1000, 1000), (999, 1000), (10000, 10000), (10000, 9999), (10001, 10001), (20000, 30000), (500000, 500000), (3000000, 4000000)]:
    for d in [0.0, 0.01, 0.03, 0.1, 0.25, 0.5, 0.8, 1.0]:
        for method in ["auto", "exact", "asymp"]:
            if method == "exact" and max(n, m) > 30000:
                continue
            # the exact path costs O(n·m·d) (a few seconds at d >= 0.25 for 10,000 x 9,999): keep the suite quick
            if method != "asymp" and n != m and n * m > 1e7 and d > 0.1 and not (method == "auto" and max(n, m) > 10000):
                continue
            if method == "exact" and n * m > 1e8 and d > 0.03:
                continue
            sd, sp = ks_from_statistic(d, n, m, method)
            ks_stat_cases.append({"d": d, "n": n, "m": m, "method": method, "statistic": num(sd), "pvalue": num(sp)})
# equal sizes and h = 1: scipy's exact value rounds to just above 1, so it falls back to the asymptotic one
for n in [5, 7, 13, 14]:
    for method in ["auto", "exact"]:
        sd, sp = ks_from_statistic(1 / n, n, n, method)
        ks_stat_cases.append({"d": 1 / n, "n": n, "m": n, "method": method, "statistic": num(sd), "pvalue": num(sp)})
# the statistic of real samples is a multiple of 1/lcm: check scipy's helper path against ks_2samp itself
for a, b in [(rng.normal(0, 1, 37), rng.normal(0.5, 1, 53)), (rng.normal(0, 1, 120), rng.normal(0, 1, 120))]:
    res = stats.ks_2samp(a, b)
    assert ks_from_statistic(float(res.statistic), len(a), len(b), "auto") == (float(res.statistic), float(res.pvalue))

# ---------------------------------------------------------------- distributions' tails
kstwo_cases = []
for n in [1, 2, 3, 5, 10, 20, 50, 100, 140, 141, 200, 500, 1000, 5000, 20000, 100000, 100001, 500000, 2000000]:
    xs = set(np.linspace(0.001, 0.999, 12)) | {0.5 / n, 1 / n, 1.5 / n, 0.5, 1 - 1 / n, 0.0, 1.0}
    xs |= {min(0.999, math.sqrt(k / n)) for k in [0.1, 0.3, 0.75, 1, 2, 2.2, 3, 4, 5, 10, 18, 50, 100, 200, 300, 345, 354, 369, 371]}
    for x in sorted(xs):
        kstwo_cases.append([float(x), n, num(stats.kstwo.sf(x, n))])
kstwobign_cases = [[float(x), num(stats.kstwobign.sf(x))] for x in sorted(set(np.round(np.linspace(0, 20, 81), 4)) | {0.03, 0.0407, 0.05, 0.82, 0.8201, 18.6, 19.3, 27.0})]
chi2_cases = []
for df in [0.5, 1, 2, 3, 4, 5, 7, 10, 15, 20, 30, 50, 75, 99, 100, 1000, 12345, 1e6]:
    for x in sorted({1e-10, 1e-3, 0.1, 1, 5, df * 0.5, df * 0.9, df, df * 1.1, df * 2, df * 5, df + 100, df + 1000, 1400, 1450, df * 20, 1e300}):
        chi2_cases.append([float(x), df, num(stats.chi2.sf(x, df))])
for df in range(1, 101, 7):
    chi2_cases.append([float(df * 3 + 600), df, num(stats.chi2.sf(df * 3 + 600, df))])
norm_cases = [[float(x), num(stats.norm.cdf(x)), num(stats.norm.sf(x))] for x in sorted(set(np.round(np.linspace(-40, 40, 161), 3)) | {-1e-3, 1e-3, 0.7, 0.71, 8.3, 38.5})]

# ---------------------------------------------------------------- chi-square
chisq_cases = []
for k in [2, 3, 5, 10, 30]:
    obs = rng.integers(0, 50, k).astype(float)
    p = rng.dirichlet(np.ones(k))
    exp = p * obs.sum()
    res = stats.chisquare(obs, exp)
    chisq_cases.append({"observed": obs.tolist(), "expected": exp.tolist(), "statistic": num(res.statistic), "pvalue": num(res.pvalue)})
for obs, exp in [([10, 20, 30], [20, 20, 20]), ([5, 0, 5], [4, 2, 4]), ([0, 10], [0, 10]), ([1e6, 0, 0], [1e6 / 3, 1e6 / 3, 1e6 / 3]), ([3, 4], [0, 7]), ([7], [7])]:
    res = stats.chisquare(obs, exp)
    chisq_cases.append({"observed": [float(v) for v in obs], "expected": [float(v) for v in exp], "statistic": num(res.statistic), "pvalue": num(res.pvalue)})
chisq_errors = []
for obs, exp in [([10, 20], [10, 21]), ([1, 2, 3], [1, 2, 3.0001])]:
    try:
        stats.chisquare(obs, exp)
    except ValueError:
        chisq_errors.append({"observed": obs, "expected": exp})

cont_cases = []
tables = [[[10, 20], [30, 40]], [[1, 0], [0, 1]], [[12, 5], [3, 40]], [[100, 200], [300, 400]], [[5, 5], [5, 5]], [[10, 20, 30], [6, 9, 17]], [[3, 0, 8, 2], [1, 6, 2, 9], [4, 4, 4, 4]], [[1000, 2], [2, 1000]], [[1, 2, 3, 4, 5]], [[2], [3]]]
for _ in range(4):
    rr, cc = rng.integers(2, 6, 2)
    tables.append(rng.integers(1, 60, (rr, cc)).tolist())
for t in tables:
    res = stats.chi2_contingency(t)
    cont_cases.append({"table": [[float(v) for v in row] for row in t], "statistic": num(res.statistic), "pvalue": num(res.pvalue), "dof": int(res.dof)})

# ---------------------------------------------------------------- distances
wass_cases = []
for n, m in [(1, 1), (5, 8), (50, 70), (200, 150)]:
    u = np.round(rng.normal(0, 1, n), 4)
    v = np.round(rng.normal(0.5, 2, m), 4)
    wass_cases.append({"u": r(u), "v": r(v), "value": num(stats.wasserstein_distance(u, v))})
    uw = rng.integers(1, 5, n).astype(float)
    vw = rng.uniform(0.1, 3, m).round(3)
    wass_cases.append({"u": r(u), "v": r(v), "uw": uw.tolist(), "vw": vw.tolist(), "value": num(stats.wasserstein_distance(u, v, uw, vw))})
wass_cases.append({"u": [1.0, 1.0, 2.0], "v": [1.0, 2.0, 1.0], "value": num(stats.wasserstein_distance([1, 1, 2], [1, 2, 1]))})
wass_cases.append({"u": [0.0, 5.0], "v": [100.0, 200.0, 300.0], "value": num(stats.wasserstein_distance([0, 5], [100, 200, 300]))})

js_cases = []
for k in [2, 3, 10, 30]:
    p = rng.integers(0, 20, k).astype(float)
    q = rng.integers(0, 20, k).astype(float)
    p[0] += 1
    q[-1] += 1
    for base in [None, 2]:
        js_cases.append({"p": p.tolist(), "q": q.tolist(), "base": base, "value": num(distance.jensenshannon(p, q, base))})
for p, q in [([1, 0], [0, 1]), ([0.5, 0.5, 0], [0, 0.5, 0.5]), ([1, 2, 3], [1, 2, 3]), ([0.2, 0.8], [0.25, 0.75])]:
    for base in [None, 2]:
        js_cases.append({"p": [float(v) for v in p], "q": [float(v) for v in q], "base": base, "value": num(distance.jensenshannon(p, q, base))})

psi_cases = []
for k in [2, 5, 12]:
    a = rng.dirichlet(np.ones(k))
    b = rng.dirichlet(np.ones(k))
    psi_cases.append({"ref": a.tolist(), "cur": b.tolist(), "value": num(np.sum((a - b) * np.log(a / b)))})


# ---------------------------------------------------------------- Evidently (legacy), re-written in numpy as Evidently writes it
def ev_binned(ref, cur, numerical, feel_zeroes=True):
    n_vals = len(np.unique(ref))
    if numerical and n_vals > 20:
        combined = np.concatenate([ref, cur])
        bins = np.histogram_bin_edges(combined, bins="sturges")
        reference_percents = np.histogram(ref, bins)[0] / len(ref)
        current_percents = np.histogram(cur, bins)[0] / len(cur)
    else:
        keys = list(set(ref.tolist()) | set(cur.tolist()))
        rc, cc = Counter(ref.tolist()), Counter(cur.tolist())
        reference_percents = np.array([rc.get(key, 0) / len(ref) for key in keys])
        current_percents = np.array([cc.get(key, 0) / len(cur) for key in keys])
        bins = None
    if feel_zeroes:
        np.place(reference_percents, reference_percents == 0, min(reference_percents[reference_percents != 0]) / 10**6 if min(reference_percents[reference_percents != 0]) <= 0.0001 else 0.0001)
        np.place(current_percents, current_percents == 0, min(current_percents[current_percents != 0]) / 10**6 if min(current_percents[current_percents != 0]) <= 0.0001 else 0.0001)
    return reference_percents, current_percents, bins


def ev_default(ref, cur, numerical):
    n_values = len(set(ref.tolist()) | set(cur.tolist()))
    if len(ref) <= 1000:
        if numerical and n_values > 5:
            return "ks"
        return "chisquare" if n_values > 2 else "z"
    return "wasserstein" if numerical and n_values > 5 else "jensenshannon"


def ev_z(ref, cur):
    if len(set(ref.tolist())) == 1 and len(set(cur.tolist())) == 1 and ref[0] == cur[0]:
        return 1
    keys = sorted(set(ref.tolist()) | set(cur.tolist()))
    r1 = np.array([0 if x == keys[0] else 1 for x in ref])
    c1 = np.array([0 if x == keys[0] else 1 for x in cur])
    n1, n2 = len(r1), len(c1)
    p1, p2 = float(sum(r1)) / n1, float(sum(c1)) / n2
    P = float(p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(P * (1 - P) * (1.0 / n1 + 1.0 / n2))
    return 2 * (1 - stats.norm.cdf(np.abs(z)))


def ev_chi(ref, cur):
    keys = list(set(ref.tolist()) | set(cur.tolist()))
    rc, cc = Counter(ref.tolist()), Counter(cur.tolist())
    k_norm = cur.shape[0] / ref.shape[0]
    f_exp = [rc.get(key, 0) * k_norm for key in keys]
    f_obs = [cc.get(key, 0) for key in keys]
    return stats.chisquare(f_obs, f_exp)[1]


DEFAULTS = {"ks": 0.05, "chisquare": 0.05, "z": 0.05, "wasserstein": 0.1, "jensenshannon": 0.1, "psi": 0.1}


def ev_column(ref, cur, numerical, stattest=None, threshold=None):
    st = stattest or ev_default(ref, cur, numerical)
    thr = DEFAULTS[st] if threshold is None else threshold
    if st == "ks":
        v = stats.ks_2samp(ref, cur)[1]
        return st, v, thr, bool(v <= thr)
    if st == "chisquare":
        v = ev_chi(ref, cur)
        return st, v, thr, bool(v < thr)
    if st == "z":
        v = ev_z(ref, cur)
        return st, v, thr, bool(v < thr)
    if st == "wasserstein":
        norm = max(float(np.std(ref)), 0.001)
        v = stats.wasserstein_distance(ref, cur) / norm
    elif st == "jensenshannon":
        a, b, _ = ev_binned(ref, cur, numerical, False)
        v = distance.jensenshannon(a, b, None)
    else:
        a, b, _ = ev_binned(ref, cur, numerical)
        v = np.sum((a - b) * np.log(a / b))
    return st, v, thr, bool(v >= thr)


col_cases = []


def col_num(ref, cur, note, stattest=None, threshold=None):
    ref, cur = np.asarray(ref, dtype=float), np.asarray(cur, dtype=float)
    st, v, thr, drift = ev_column(ref, cur, True, stattest, threshold)
    combined = np.concatenate([ref, cur])
    edges = np.histogram_bin_edges(combined, bins="sturges")
    case = {"type": "numerical", "reference": summary(ref), "current": summary(cur), "note": note}
    if stattest:
        case["stattest"] = stattest
    if threshold is not None:
        case["threshold"] = threshold
    case["expected"] = {"stattest": st, "value": num(v), "threshold": thr, "drift": drift}
    case["histogram"] = {"edges": edges.tolist(), "reference": np.histogram(ref, edges)[0].tolist(), "current": np.histogram(cur, edges)[0].tolist()}
    col_cases.append(case)


def col_cat(ref, cur, note, stattest=None, threshold=None):
    rd, cd = dict(Counter(ref)), dict(Counter(cur))
    st, v, thr, drift = ev_column(np.array(ref, dtype=object), np.array(cur, dtype=object), False, stattest, threshold)
    case = {"type": "categorical", "reference": rd, "current": cd, "note": note}
    if stattest:
        case["stattest"] = stattest
    if threshold is not None:
        case["threshold"] = threshold
    case["expected"] = {"stattest": st, "value": num(v), "threshold": thr, "drift": drift}
    col_cases.append(case)


cats = ["alpha", "beta", "gamma", "delta", "eps"]
# n_ref <= 1000
col_num(np.round(rng.normal(0, 1, 300), 2), np.round(rng.normal(0, 1, 250), 2), "ks, no drift")
col_num(np.round(rng.normal(0, 1, 800), 2), np.round(rng.normal(0.4, 1, 700), 2), "ks, drift")
col_num(rng.integers(0, 5, 500), rng.integers(0, 5, 400), "chisquare on 5 values")
col_num(rng.integers(0, 4, 1000), rng.integers(1, 5, 900), "chisquare, a value new in current")
col_num(rng.integers(0, 2, 600), rng.integers(0, 2, 300), "z on 2 values")
col_num(np.full(50, 3.0), np.full(40, 3.0), "z, one same value")
col_num(np.full(50, 3.0), np.full(40, 4.0), "z, one different value each")
col_cat(list(rng.choice(cats, 900)), list(rng.choice(cats[:4], 500)), "chisquare categorical")
col_cat(list(rng.choice(cats[:3], 400)), list(rng.choice(cats[:3], 100)) + ["zeta"] * 5, "chisquare, a new category")
col_cat(list(rng.choice(cats[:2], 700, p=[0.3, 0.7])), list(rng.choice(cats[:2], 650, p=[0.5, 0.5])), "z categorical, drift")
col_cat(["yes"] * 30 + ["no"] * 20, ["yes"] * 33 + ["no"] * 17, "z categorical, no drift")
# n_ref > 1000
col_num(np.round(rng.normal(10, 2, 3000), 1), np.round(rng.normal(10.1, 2, 2500), 1), "wasserstein, no drift")
col_num(np.round(rng.normal(10, 2, 2000), 1), np.round(rng.normal(11, 2, 2500), 1), "wasserstein, drift")
col_num(np.full(1500, 7.0).tolist() + [7.00001] * 3, np.round(rng.normal(7, 0.01, 1200), 3), "wasserstein, reference std below 0.001")
col_num(rng.integers(0, 5, 5000), rng.integers(0, 5, 4000), "jensenshannon on 5 values")
col_num(rng.integers(0, 3, 2000), rng.integers(1, 4, 1500), "jensenshannon, a new value")
col_cat(list(rng.choice(cats, 4000)), list(rng.choice(cats, 3000, p=[0.4, 0.3, 0.1, 0.1, 0.1])) + ["zeta"] * 50, "jensenshannon categorical, new category")
# chosen tests and thresholds
col_num(np.round(rng.normal(0, 1, 1200), 1), np.round(rng.normal(0.1, 1.1, 1000), 1), "psi, sturges", "psi")
col_num(np.round(rng.gamma(2, 1, 1024), 2), np.round(rng.gamma(2, 1.3, 1024), 2), "psi, sturges over 2048 values", "psi", 0.2)
col_num(np.round(rng.normal(0, 1, 5000), 1), np.round(rng.normal(3, 0.2, 300), 1), "psi, empty bins", "psi")
col_num(np.round(rng.normal(0, 1, 900), 2), np.round(rng.normal(0.2, 1, 800), 2), "jensenshannon, sturges", "jensenshannon", 0.05)
col_num(np.round(rng.normal(0, 1, 12000), 1), np.round(rng.normal(0.02, 1, 11000), 1), "ks asymp through auto", "ks", 0.01)
col_num(np.round(rng.normal(0, 1, 400), 2), np.round(rng.normal(0.5, 1, 300), 2), "wasserstein on a small reference", "wasserstein", 0.3)
col_num(rng.integers(0, 7, 600), rng.integers(0, 7, 500), "chisquare chosen for 7 values", "chisquare", 0.1)
col_num(rng.integers(0, 3, 600), rng.integers(0, 3, 500), "psi on 3 values", "psi")
col_cat(list(rng.choice(cats, 500)), list(rng.choice(cats[:3], 500)), "psi categorical, empty bins", "psi")
col_cat(list(rng.choice(cats, 500)), list(rng.choice(cats, 500)), "z on 5 categories", "z", 0.2)
col_cat(list(rng.choice(cats[:3], 300)), list(rng.choice(cats[:3], 250)), "jensenshannon chosen", "jensenshannon", 0.02)

# sturges binning (numpy.histogram_bin_edges + numpy.histogram)
sturges_cases = []
for n in [1, 2, 7, 64, 100, 1023, 1024, 1025, 4096, 30000]:
    a = np.round(rng.normal(0, 1, n), 1 if n > 5000 else 2 if n > 1000 else 4)
    b = np.round(rng.normal(0.2, 1, max(1, n // 3)), 2)
    combined = np.concatenate([a, b])
    e = np.histogram_bin_edges(combined, bins="sturges")
    sturges_cases.append({"a": summary(a), "b": summary(b), "edges": e.tolist(), "a_counts": np.histogram(a, e)[0].tolist(), "b_counts": np.histogram(b, e)[0].tolist()})
for vals in [[5.0, 5.0, 5.0], [0.0, 1.0], [-3.0, 0.5, 0.5, 12.0]]:
    a, b = np.array(vals), np.array(vals[:1])
    e = np.histogram_bin_edges(np.concatenate([a, b]), bins="sturges")
    sturges_cases.append({"a": summary(a), "b": summary(b), "edges": e.tolist(), "a_counts": np.histogram(a, e)[0].tolist(), "b_counts": np.histogram(b, e)[0].tolist()})

binned_cases = []
for n_ref, n_cur, d in [(500, 400, 2), (2000, 100, 2), (100000, 50, 1)]:
    a = np.round(rng.normal(0, 1, n_ref), d)
    b = np.round(rng.normal(1.5, 0.5, n_cur), d)
    case = {"type": "numerical", "reference": summary(a), "current": summary(b)}
    for fill in [True, False]:
        ra, rb, _ = ev_binned(a, b, True, fill)
        case["filled" if fill else "plain"] = {"reference": ra.tolist(), "current": rb.tolist()}
    binned_cases.append(case)

doc = {
    "meta": {"scipy": scipy.__version__, "numpy": np.__version__, "python": sys.version.split()[0], "generator": "scripts/drift-reference.py"},
    "ks_2samp": ks_cases,
    "ks_2samp_summary": ks_summary_cases,
    "ks_from_statistic": ks_stat_cases,
    "kstwo_sf": kstwo_cases,
    "kstwobign_sf": kstwobign_cases,
    "chi2_sf": chi2_cases,
    "normal": norm_cases,
    "chisquare": chisq_cases,
    "chisquare_errors": chisq_errors,
    "chi2_contingency": cont_cases,
    "wasserstein_distance": wass_cases,
    "jensenshannon": js_cases,
    "psi": psi_cases,
    "sturges": sturges_cases,
    "binned": binned_cases,
    "columns": col_cases,
}
os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump(doc, f, separators=(",", ":"), allow_nan=False)
print(f"wrote {OUT}: {os.path.getsize(OUT)} bytes; " + ", ".join(f"{k} {len(v)}" for k, v in doc.items() if isinstance(v, list)))
