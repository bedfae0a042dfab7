"""Reference isotonic fits from scikit-learn for the bureau-calibration tests.

Writes Tests/CreditStatsTests/Fixtures/isotonic.json: 3,000 seeded bureau-like scores (integers
250-900, so with ties) with Bernoulli defaults whose rate falls with the score, and weights; the
fits of IsotonicRegression(increasing=False, out_of_bounds="clip") with and without the weights
(X_thresholds_, y_thresholds_), and predictions on a grid that includes values between and
beyond the data.

    python3 benchmarks/peers/make_isotonic_fixture.py
"""
import json
import pathlib
import sys

import numpy as np
import sklearn
from sklearn.isotonic import IsotonicRegression

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from common import provenance  # noqa: E402

root = pathlib.Path(__file__).resolve().parents[2]
rng = np.random.default_rng(20261125)
x = rng.integers(250, 901, 3000).astype(float)
pd = 1 / (1 + np.exp(-(4.5 - 0.009 * x)))
y = (rng.random(3000) < pd).astype(float)
w = rng.choice([0.5, 1.0, 2.0], 3000)
grid = np.concatenate([[100.0, 249.5, 250.0], np.linspace(250, 900, 131), [900.0, 901.0, 2000.0]])
fits = {}
for name, weights in [("unweighted", None), ("weighted", w)]:
    model = IsotonicRegression(increasing=False, out_of_bounds="clip").fit(x, y, sample_weight=weights)
    fits[name] = {"thresholdsX": model.X_thresholds_.tolist(), "thresholdsY": model.y_thresholds_.tolist(),
                  "predictions": model.predict(grid).tolist()}
fixture = {"provenance": provenance("benchmarks/peers/make_isotonic_fixture.py", "python3 benchmarks/peers/make_isotonic_fixture.py",
                     "3,000 synthetic bureau scores (seed 20261125)", {"predictions": "1e-12 absolute"}, sklearn=sklearn)}
fixture.update({"x": x.tolist(), "y": y.tolist(), "weights": w.tolist(), "grid": grid.tolist(), "fits": fits})
out = root / "Tests/CreditStatsTests/Fixtures/isotonic.json"
out.write_text(json.dumps(fixture, separators=(",", ":")) + "\n")
print(f"wrote {out.relative_to(root)}: {len(fits['unweighted']['thresholdsX'])} and {len(fits['weighted']['thresholdsX'])} thresholds")
