"""Reference values for server/drift/stats/{embeddings,pca}.test.ts -> test/fixtures/drift/embeddings.json.

Run (scikit-learn only for roc_auc_score and the PCA cross-check):
  python3 -m venv /tmp/skvenv && /tmp/skvenv/bin/pip install scikit-learn numpy scipy
  /tmp/skvenv/bin/python scripts/drift-embeddings-reference.py

Recomputes Evidently's embedding drift statistics (legacy embedding_drift_methods.py) with numpy/scipy
on small seeded windows (small enough that MMD uses every row, as Evidently does under 1000 rows).
Distances are exact pairwise differences (scipy cdist), not sklearn's |x|^2 + |y|^2 - 2x.y shortcut.
"""

import json
import os

import numpy as np
from scipy.spatial import distance as ssd
from scipy.stats import wasserstein_distance
from sklearn.decomposition import PCA
from sklearn.metrics import roc_auc_score

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "drift", "embeddings.json")
rng = np.random.default_rng(20240601)


def pca_fit(x, k):
    """Covariance eigen-decomposition, sklearn's svd_flip(u_based_decision=False) signs."""
    mean = x.mean(axis=0)
    cov = np.cov(x, rowvar=False, ddof=1)
    vals, vecs = np.linalg.eigh(cov)
    order = np.argsort(vals)[::-1]
    vals = np.clip(vals[order], 0, None)
    comps = vecs[:, order].T
    signs = np.sign(comps[np.arange(comps.shape[0]), np.argmax(np.abs(comps), axis=1)])
    comps = comps * signs[:, None]
    return mean, comps[:k], vals[:k], vals[:k] / vals.sum()


def check_sklearn_pca(x, k, comps, ev):
    p = PCA(n_components=k, svd_solver="full").fit(x)
    for a, b in zip(p.components_, comps):
        assert np.allclose(np.abs(a @ b), 1, atol=1e-9)
    assert np.allclose(p.explained_variance_, ev, rtol=1e-9)


def mmd2u(x, y):
    m, n = len(x), len(y)
    sigma2 = np.median(ssd.cdist(x, y, "euclidean")) ** 2
    xy = np.vstack([x, y])
    K = np.exp(-ssd.cdist(xy, xy, "sqeuclidean") / sigma2)
    kx, ky, kxy = K[:m, :m], K[m:, m:], K[:m, m:]
    v = (kx.sum() - np.trace(kx)) / (m * (m - 1)) + (ky.sum() - np.trace(ky)) / (n * (n - 1)) - 2 * kxy.sum() / (m * n)
    return float(v), float(1 / sigma2)


def ratio(x, y, comp_threshold=0.1):
    scores = [wasserstein_distance(x[:, j], y[:, j]) / max(float(np.std(x[:, j])), 0.001) for j in range(x.shape[1])]
    drifted = sum(1 for s in scores if s >= comp_threshold)
    return drifted / x.shape[1], drifted, [float(s) for s in scores]


def stats(ref, cur):
    mr, mc = ref.mean(axis=0), cur.mean(axis=0)
    mmd, gamma = mmd2u(ref, cur)
    share, drifted, scores = ratio(ref, cur)
    return {
        "distance": {
            "euclidean": ssd.euclidean(mr, mc),
            "cosine": ssd.cosine(mr, mc),
            "cityblock": ssd.cityblock(mr, mc),
            "chebyshev": ssd.chebyshev(mr, mc),
        },
        "mmd": {"mmd2u": mmd, "gamma": gamma},
        "ratio": {"share": share, "drifted": drifted, "componentScores": scores},
    }


def window_case(ref, cur, pca_k):
    mean, comps, _, _ = pca_fit(ref, pca_k)
    rp, cp = (ref - mean) @ comps.T, (cur - mean) @ comps.T
    return {
        "reference": ref.tolist(),
        "current": cur.tolist(),
        "stats": stats(ref, cur),
        "pcaComponents": pca_k,
        "pcaStats": stats(rp, cp),
    }


dim = 8
scale = np.array([2.0, 1.5, 1.2, 1.0, 0.8, 0.6, 0.4, 0.3])
shift = np.array([0.6, 0.0, 0.35, 0.0, 0.1, 0.0, 0.05, 0.0])
shifted = window_case(rng.normal(size=(60, dim)) * scale + 1.0, rng.normal(size=(50, dim)) * scale + 1.0 + shift, 3)
same = window_case(rng.normal(size=(70, dim)) * scale + 0.5, rng.normal(size=(65, dim)) * scale + 0.5, 4)

# PCA: anisotropic correlated data
a = rng.normal(size=(80, 6)) @ rng.normal(size=(6, 6)) + np.arange(6)
mean, comps, ev, evr = pca_fit(a, 6)
check_sklearn_pca(a, 6, comps, ev)
pca = {"data": a.tolist(), "mean": mean.tolist(), "components": comps.tolist(), "explainedVariance": ev.tolist(),
       "explainedVarianceRatio": evr.tolist()}

# 2-D projection of the pooled `shifted` windows
pooled = np.vstack([np.array(shifted["reference"]), np.array(shifted["current"])])
pm, pc, _, pevr = pca_fit(pooled, 2)
check_sklearn_pca(pooled, 2, pc, _)
projection = {
    "reference": ((np.array(shifted["reference"]) - pm) @ pc.T).tolist(),
    "current": ((np.array(shifted["current"]) - pm) @ pc.T).tolist(),
    "explainedVarianceRatio": pevr.tolist(),
}

# ROC AUC: continuous scores, and coarse scores with many ties
labels = (rng.random(300) < 0.4).astype(int)
cont = rng.normal(size=300) + 0.7 * labels
tied = np.round(cont * 2) / 2
auc = [
    {"labels": labels.tolist(), "scores": cont.tolist(), "auc": float(roc_auc_score(labels, cont))},
    {"labels": labels.tolist(), "scores": tied.tolist(), "auc": float(roc_auc_score(labels, tied))},
]

with open(OUT, "w") as f:
    json.dump({"generatedBy": "scripts/drift-embeddings-reference.py", "shifted": shifted, "same": same, "pca": pca,
               "projection2d": projection, "rocAuc": auc}, f)
print(OUT, os.path.getsize(OUT), "bytes")
print("shifted", json.dumps({k: v for k, v in shifted["stats"].items()}, default=str)[:600])
print("same", json.dumps(same["stats"]["mmd"]), same["stats"]["ratio"]["share"], same["stats"]["distance"]["euclidean"])
