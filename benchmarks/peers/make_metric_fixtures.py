"""Produces the reference fixture for the metric tests (CreditStats).

    python3 benchmarks/peers/make_metric_fixtures.py

Seeded data (numpy default_rng(20261124)): 3000 rows, two correlated scores with ties, labels,
predicted PDs, and a shifted "current" sample for PSI. References:
- scikit-learn: roc_auc_score, log_loss, brier_score_loss;
- scipy: ks_2samp (KS), chi2.sf (Hosmer-Lemeshow), beta.ppf / beta.cdf (Jeffreys),
  gammaincc, betainc, norm.ppf (special functions);
- DeLong variance and covariance: a direct O(m·n) implementation of the definition in DeLong,
  DeLong & Clarke-Pearson (1988), independent of the midrank algorithm the engine uses;
- PSI: the formula documented in PopulationStability (decile edges of the baseline, 1e-4 floor).
Writes Tests/CreditStatsTests/Fixtures/metrics.json; the tests compare to 1e-9.
"""
import json
import os
import sys

import numpy as np
import scipy
import sklearn
from scipy import special, stats
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

sys.path.insert(0, os.path.dirname(__file__))
from common import provenance  # noqa: E402


def delong_direct(score_a, score_b, labels):
    pos_a, neg_a = score_a[labels == 1], score_a[labels == 0]
    pos_b, neg_b = score_b[labels == 1], score_b[labels == 0]

    def components(pos, neg):
        psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
        return psi.mean(axis=1), psi.mean(axis=0)

    v10a, v01a = components(pos_a, neg_a)
    v10b, v01b = components(pos_b, neg_b)
    m, n = len(pos_a), len(neg_a)
    var_a = np.var(v10a, ddof=1) / m + np.var(v01a, ddof=1) / n
    var_b = np.var(v10b, ddof=1) / m + np.var(v01b, ddof=1) / n
    cov = np.cov(v10a, v10b, ddof=1)[0, 1] / m + np.cov(v01a, v01b, ddof=1)[0, 1] / n
    z = (v10a.mean() - v10b.mean()) / np.sqrt(var_a + var_b - 2 * cov)
    return float(var_a), float(var_b), float(z), float(2 * stats.norm.sf(abs(z)))


def psi(expected, actual, bins=10):
    ordered = np.sort(expected)
    edges = []
    for k in range(1, bins):
        value = ordered[min(len(ordered) - 1, len(ordered) * k // bins)]
        if value > ordered[0] and (not edges or value > edges[-1]):
            edges.append(value)
    def shares(values):
        counts = np.zeros(len(edges) + 1)
        for v in values:
            counts[next((i for i, e in enumerate(edges) if v < e), len(edges))] += 1
        return counts / len(values)
    e, a = np.maximum(shares(expected), 1e-4), np.maximum(shares(actual), 1e-4)
    return float(np.sum((a - e) * np.log(a / e)))


def main():
    rng = np.random.default_rng(20261124)
    n = 3000
    latent = rng.normal(size=n)
    labels = (rng.uniform(size=n) < 1 / (1 + np.exp(-(latent - 1.2)))).astype(int)
    score_a = np.round(latent + rng.normal(scale=0.8, size=n), 1)
    score_b = np.round(latent + rng.normal(scale=1.2, size=n), 1)
    pd = np.clip(1 / (1 + np.exp(-(0.9 * score_a - 1.1))), 1e-6, 1 - 1e-6)
    current = np.round(score_a + 0.3 + rng.normal(scale=0.2, size=n), 1)

    var_a, var_b, z, p = delong_direct(score_a, score_b, labels)
    order = np.argsort(pd, kind="stable")
    bands = np.array_split(order, 10)
    hl, jeffreys = 0.0, []
    for band in bands:
        expected, observed, size = pd[band].sum(), labels[band].sum(), len(band)
        hl += (observed - expected) ** 2 / (expected * (1 - expected / size))
        a, b = observed + 0.5, size - observed + 0.5
        jeffreys.append([float(stats.beta.ppf(0.025, a, b)), float(stats.beta.ppf(0.975, a, b)), float(stats.beta.cdf(pd[band].mean(), a, b))])
    grid = {
        "gammaQ": [[a, x, float(special.gammaincc(a, x))] for a in (0.5, 1, 4, 9.5) for x in (0.1, 2, 7.5, 30)],
        "betaI": [[x, a, b, float(special.betainc(a, b, x))] for x in (0.01, 0.3, 0.77) for a, b in ((0.5, 0.5), (3.5, 120.5), (40.5, 2.5))],
        "betaQuantile": [[p_, a, b, float(stats.beta.ppf(p_, a, b))] for p_ in (0.025, 0.5, 0.975) for a, b in ((0.5, 99.5), (12.5, 88.5))],
        "normalQuantile": [[p_, float(stats.norm.ppf(p_))] for p_ in (1e-10, 0.025, 0.3, 0.975, 1 - 1e-10)],
    }
    fixture = {
        "provenance": provenance(
            "benchmarks/peers/make_metric_fixtures.py", "python3 benchmarks/peers/make_metric_fixtures.py",
            "seeded numpy data (default_rng(20261124), 3000 rows), stored in this file",
            {"all": {"relative": 1e-9, "absolute": 1e-12, "why": "the issue's bar: agreement to 1e-9"}},
            scipy=scipy, sklearn=sklearn,
        ),
        "labels": labels.tolist(), "scoreA": score_a.tolist(), "scoreB": score_b.tolist(), "pd": pd.tolist(), "current": current.tolist(),
        "aucA": float(roc_auc_score(labels, score_a)), "aucB": float(roc_auc_score(labels, score_b)),
        "ksA": float(stats.ks_2samp(score_a[labels == 1], score_a[labels == 0]).statistic),
        "delong": {"varianceA": var_a, "varianceB": var_b, "z": z, "pValue": p},
        "logLoss": float(log_loss(labels, pd)), "brier": float(brier_score_loss(labels, pd)),
        "psi": psi(score_a, current), "psiSame": psi(score_a, score_a),
        "hosmerLemeshow": {"statistic": float(hl), "pValue": float(stats.chi2.sf(hl, 8))},
        "jeffreys": jeffreys, "special": grid,
    }
    with open("Tests/CreditStatsTests/Fixtures/metrics.json", "w") as handle:
        json.dump(fixture, handle)
    print("AUC", fixture["aucA"], "DeLong z", z, "PSI", fixture["psi"], "HL", hl)


if __name__ == "__main__":
    main()
